namespace Corrosion.Crdt;

/// <summary>
/// A hybrid logical clock in NTP64 form (seconds since the Unix epoch in the high 32 bits, the fraction in the
/// low 32), as Corrosion stamps changesets. Never goes backwards and moves past any timestamp it has seen.
/// </summary>
internal sealed class HybridLogicalClock
{
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private ulong _last;

    public HybridLogicalClock(TimeProvider time) => _time = time;

    public ulong Now()
    {
        var physical = ToNtp64(_time.GetUtcNow());
        lock (_gate)
        {
            _last = Math.Max(_last + 1, physical);
            return _last;
        }
    }

    /// <summary>Takes in a remote timestamp so that later local ones order after it.</summary>
    public void Observe(ulong remote)
    {
        lock (_gate)
        {
            _last = Math.Max(_last, remote);
        }
    }

    public static ulong ToNtp64(DateTimeOffset time)
    {
        var ticks = time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        var seconds = (ulong)(ticks / TimeSpan.TicksPerSecond);
        var fraction = (ulong)(ticks % TimeSpan.TicksPerSecond) * (1UL << 32) / TimeSpan.TicksPerSecond;
        return (seconds << 32) | fraction;
    }
}
