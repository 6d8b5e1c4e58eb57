using Corrosion.Gossip.Membership;
using Corrosion.Gossip.Transport;
using Microsoft.Extensions.Options;

namespace Corrosion.Gossip;

/// <summary>
/// Checks every gossip setting when the host starts (<c>AddGossip()</c> registers it with <c>ValidateOnStart</c>), so
/// a bad address or timing stops the app before the node opens its database. Transport failures name the config
/// key (<c>gossip.addr</c>), the others the property (<c>GossipOptions.Broadcast.Fanout</c>, <c>SwimOptions.ProbePeriod</c>).
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
            failures.Add($"GossipOptions.Broadcast.Fanout: must be at least 1, got {options.Broadcast.Fanout}");
        }

        if (options.Broadcast.MaxHops < 0)
        {
            failures.Add($"GossipOptions.Broadcast.MaxHops: must not be negative, got {options.Broadcast.MaxHops}");
        }

        if (options.Broadcast.MaxChangesPerChunk < 1)
        {
            failures.Add($"GossipOptions.Broadcast.MaxChangesPerChunk: must be at least 1, got {options.Broadcast.MaxChangesPerChunk}");
        }

        if (options.MinSyncBackoff < TimeSpan.Zero)
        {
            failures.Add($"GossipOptions.MinSyncBackoff (perf.min_sync_backoff): must not be negative, got {options.MinSyncBackoff}");
        }

        if (options.MaxSyncBackoff <= TimeSpan.Zero)
        {
            failures.Add($"GossipOptions.MaxSyncBackoff (perf.max_sync_backoff): must be positive, got {options.MaxSyncBackoff}");
        }
        else if (options.MinSyncBackoff > options.MaxSyncBackoff)
        {
            failures.Add($"GossipOptions.MinSyncBackoff (perf.min_sync_backoff): {options.MinSyncBackoff} is greater than MaxSyncBackoff ({options.MaxSyncBackoff})");
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
