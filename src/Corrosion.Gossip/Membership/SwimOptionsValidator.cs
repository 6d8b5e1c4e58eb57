using Microsoft.Extensions.Options;

namespace Corrosion.Gossip.Membership;

/// <summary>Checks <see cref="SwimOptions"/> at start, gathering every failure; each names its option.</summary>
internal sealed class SwimOptionsValidator : IValidateOptions<SwimOptions>
{
    public ValidateOptionsResult Validate(string? name, SwimOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();

        void Positive(string key, TimeSpan value)
        {
            if (value <= TimeSpan.Zero)
            {
                failures.Add($"SwimOptions.{key}: must be positive (got {value})");
            }
        }

        Positive(nameof(SwimOptions.ProbePeriod), options.ProbePeriod);
        Positive(nameof(SwimOptions.ProbeRtt), options.ProbeRtt);
        Positive(nameof(SwimOptions.GossipPeriod), options.GossipPeriod);
        Positive(nameof(SwimOptions.AnnounceBackoffInitial), options.AnnounceBackoffInitial);
        Positive(nameof(SwimOptions.AnnounceBackoffMax), options.AnnounceBackoffMax);
        Positive(nameof(SwimOptions.AnnouncePeriod), options.AnnouncePeriod);
        Positive(nameof(SwimOptions.RemoveDownAfter), options.RemoveDownAfter);
        Positive(nameof(SwimOptions.PersistInterval), options.PersistInterval);
        Positive(nameof(SwimOptions.LeaveTimeout), options.LeaveTimeout);

        if (options.ProbeRtt >= options.ProbePeriod)
        {
            failures.Add($"SwimOptions.ProbeRtt: must be less than ProbePeriod ({options.ProbeRtt} >= {options.ProbePeriod})");
        }

        if (options.AnnounceBackoffMax < options.AnnounceBackoffInitial)
        {
            failures.Add($"SwimOptions.AnnounceBackoffMax: must be at least AnnounceBackoffInitial ({options.AnnounceBackoffMax} < {options.AnnounceBackoffInitial})");
        }

        if (options.NumIndirectProbes is < 0 or > 64)
        {
            failures.Add($"SwimOptions.NumIndirectProbes: must be 0..64 (got {options.NumIndirectProbes})");
        }

        if (options.GossipFanout is < 1 or > 64)
        {
            failures.Add($"SwimOptions.GossipFanout: must be 1..64 (got {options.GossipFanout})");
        }

        if (options.AnnounceFanout is < 1 or > 64)
        {
            failures.Add($"SwimOptions.AnnounceFanout: must be 1..64 (got {options.AnnounceFanout})");
        }

        if (!(options.SuspicionMultiplier > 0) || double.IsInfinity(options.SuspicionMultiplier))
        {
            failures.Add($"SwimOptions.SuspicionMultiplier: must be a positive number (got {options.SuspicionMultiplier})");
        }

        if (!(options.TransmissionMultiplier > 0) || double.IsInfinity(options.TransmissionMultiplier))
        {
            failures.Add($"SwimOptions.TransmissionMultiplier: must be a positive number (got {options.TransmissionMultiplier})");
        }

        if (options.MaxPacketSize < Protocol.SwimCodec.MaxHeaderLength + Protocol.SwimCodec.MaxUpdateLength)
        {
            failures.Add($"SwimOptions.MaxPacketSize: must be at least {Protocol.SwimCodec.MaxHeaderLength + Protocol.SwimCodec.MaxUpdateLength} bytes (got {options.MaxPacketSize})");
        }

        if (options.AdvertisedAddress is { Port: 0 })
        {
            failures.Add($"SwimOptions.AdvertisedAddress: port 0 cannot be advertised ({options.AdvertisedAddress})");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
