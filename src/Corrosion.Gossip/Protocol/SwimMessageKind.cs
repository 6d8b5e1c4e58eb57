namespace Corrosion.Gossip.Protocol;

/// <summary>The SWIM message types (one byte on the wire).</summary>
internal enum SwimMessageKind : byte
{
    /// <summary>Direct probe; answered with <see cref="Ack"/> carrying the same probe number.</summary>
    Ping = 1,

    /// <summary>Answer to <see cref="Ping"/>.</summary>
    Ack = 2,

    /// <summary>Asks the receiver to ping <see cref="SwimMessage.Target"/> on the sender's behalf.</summary>
    PingReq = 3,

    /// <summary>A relay's report that <see cref="SwimMessage.Target"/> answered the ping it sent for a ping-req.</summary>
    ForwardedAck = 4,

    /// <summary>Join request; answered with <see cref="Feed"/>.</summary>
    Announce = 5,

    /// <summary>Known members (answer to <see cref="Announce"/>, or a notice to a sender we hold as suspect/down).</summary>
    Feed = 6,

    /// <summary>Piggybacked updates only (periodic gossip).</summary>
    Gossip = 7,

    /// <summary>The sender is leaving the cluster gracefully.</summary>
    Leave = 8,
}
