namespace Corrosion.Gossip.Membership;

/// <summary>What a node believes about a member.</summary>
public enum MemberStatus : byte
{
    /// <summary>Answering probes, or refuted its last suspicion.</summary>
    Alive = 0,

    /// <summary>Missed a direct and an indirect probe; declared down unless it refutes before the suspicion timeout.</summary>
    Suspect = 1,

    /// <summary>Suspected for longer than the suspicion timeout. It can come back only with a higher incarnation or a new run.</summary>
    Down = 2,

    /// <summary>Left gracefully (announced on shutdown).</summary>
    Left = 3,
}
