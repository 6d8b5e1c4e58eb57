namespace Corrosion.Gossip.Protocol;

/// <summary>
/// The meaning of a stream frame's type byte (see <c>FrameCodec</c>). SWIM messages have their own codec (<c>SwimCodec</c>);
/// with TLS on the tcp+udp transport they travel inside <see cref="Datagram"/> frames.
/// </summary>
internal enum PeerFrameType : byte
{
    /// <summary>Opens an anti-entropy session: the sender's <c>SyncState</c>; answered with the receiver's.</summary>
    SyncState = 1,

    /// <summary>A changeset sent during a sync session.</summary>
    SyncChangeset = 2,

    /// <summary>The sender has sent everything it will send in this session.</summary>
    SyncDone = 3,

    /// <summary>A broadcast changeset: <c>[hops:u8]</c> then the changeset.</summary>
    Broadcast = 4,

    /// <summary>
    /// One datagram on a TLS datagram connection (tcp+udp transport with <c>[gossip.tls]</c>):
    /// <c>[sender gossip port:u16 BE][datagram]</c>. Only valid on a connection negotiated with ALPN
    /// <c>corrosion-datagram</c>; such a connection carries nothing else. See <c>FrameCodec.WriteDatagram</c>.
    /// </summary>
    Datagram = 5,
}
