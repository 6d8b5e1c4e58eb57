namespace Corrosion.Gossip.Broadcast;

/// <summary>How committed changes spread by gossip.</summary>
public sealed class BroadcastOptions
{
    /// <summary>Members each changeset is sent to, at each hop.</summary>
    public int Fanout { get; set; } = 3;

    /// <summary>How many times a received changeset is forwarded onward (a bound on every message's life).</summary>
    public int MaxHops { get; set; } = 4;

    /// <summary>Changes per broadcast chunk; bigger versions go out in seq-range chunks.</summary>
    public int MaxChangesPerChunk { get; set; } = 500;
}
