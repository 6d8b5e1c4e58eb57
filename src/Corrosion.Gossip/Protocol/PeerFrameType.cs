namespace Corrosion.Gossip.Protocol;

/// <summary>The meaning of a stream frame's type byte (see <c>FrameCodec</c>). Datagrams (SWIM) have their own codec.</summary>
public enum PeerFrameType : byte
{
    /// <summary>Opens an anti-entropy session: the sender's <c>SyncState</c>; answered with the receiver's.</summary>
    SyncState = 1,

    /// <summary>A changeset sent during a sync session.</summary>
    SyncChangeset = 2,

    /// <summary>The sender has sent everything it will send in this session.</summary>
    SyncDone = 3,

    /// <summary>A broadcast changeset: <c>[hops:u8]</c> then the changeset.</summary>
    Broadcast = 4,
}
