using Corrosion.Gossip.Membership;

namespace Corrosion.Gossip.Protocol;

/// <summary>
/// One SWIM datagram. Every message states who sent it (<see cref="Sender"/> at <see cref="SenderIncarnation"/>),
/// which counts as an Alive update about the sender (Left for <see cref="SwimMessageKind.Leave"/>), and carries
/// piggybacked <see cref="Updates"/>. Members in it belong to <see cref="ClusterId"/>.
/// </summary>
internal sealed record SwimMessage(
    SwimMessageKind Kind,
    ushort ClusterId,
    Member Sender,
    uint SenderIncarnation,
    uint ProbeNumber,
    Member? Target,
    IReadOnlyList<MemberState> Updates);
