using Corrosion.Gossip.Membership;
using Corrosion.Gossip.Transport;
using Microsoft.Extensions.Options;

namespace Corrosion.Gossip;

/// <summary>
/// Checks every gossip setting when the host starts (<c>AddGossip()</c> registers it with <c>ValidateOnStart</c>), so
/// a bad address or timing stops the app before the node opens its database; each failure names its key.
/// </summary>
internal sealed class GossipOptionsValidator : IValidateOptions<GossipOptions>
{
    public ValidateOptionsResult Validate(string? name, GossipOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        Collect(failures, new GossipTransportOptionsValidator().Validate(name, options.Transport));
        Collect(failures, new SwimOptionsValidator().Validate(name, options.Swim));

        if (options.Broadcast.Fanout < 1)
        {
            failures.Add($"gossip.broadcast.fanout: must be at least 1, got {options.Broadcast.Fanout}");
        }

        if (options.Broadcast.MaxHops < 0)
        {
            failures.Add($"gossip.broadcast.max_hops: must not be negative, got {options.Broadcast.MaxHops}");
        }

        if (options.Broadcast.MaxChangesPerChunk < 1)
        {
            failures.Add($"gossip.broadcast.max_changes_per_chunk: must be at least 1, got {options.Broadcast.MaxChangesPerChunk}");
        }

        if (options.MinSyncBackoff < TimeSpan.Zero)
        {
            failures.Add($"gossip.min_sync_backoff: must not be negative, got {options.MinSyncBackoff}");
        }

        if (options.MaxSyncBackoff <= TimeSpan.Zero)
        {
            failures.Add($"gossip.max_sync_backoff: must be positive, got {options.MaxSyncBackoff}");
        }
        else if (options.MinSyncBackoff > options.MaxSyncBackoff)
        {
            failures.Add($"gossip.min_sync_backoff: {options.MinSyncBackoff} is greater than gossip.max_sync_backoff ({options.MaxSyncBackoff})");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Collect(List<string> failures, ValidateOptionsResult result)
    {
        if (result.Failed)
        {
            failures.AddRange(result.Failures ?? [result.FailureMessage]);
        }
    }
}
