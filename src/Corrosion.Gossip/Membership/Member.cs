using System.Net;

namespace Corrosion.Gossip.Membership;

/// <summary>
/// One incarnation of a node: its actor id, the gossip address it advertises (<c>gossip.external_addr</c> or the
/// bound address), the moment it started and its cluster id. A node restarted with the same actor id gets a later
/// <see cref="StartedAt"/> and so supersedes what the cluster knew about its previous run, whatever the incarnation
/// numbers say.
/// </summary>
public sealed record Member
{
    public Member(ActorId id, IPEndPoint address, DateTimeOffset startedAt, ushort clusterId = 0)
    {
        ArgumentNullException.ThrowIfNull(address);
        Id = id;
        Address = address;
        // The wire carries milliseconds; truncate here so a decoded member equals the one that was encoded.
        StartedAt = DateTimeOffset.FromUnixTimeMilliseconds(startedAt.ToUnixTimeMilliseconds());
        ClusterId = clusterId;
    }

    public ActorId Id { get; }

    public IPEndPoint Address { get; }

    /// <summary>When this run of the node started (millisecond precision); later supersedes earlier.</summary>
    public DateTimeOffset StartedAt { get; }

    public ushort ClusterId { get; }

    /// <summary>True when both describe the same run of the same node (actor id and start time).</summary>
    public bool IsSameRunAs(Member other) => Id == other.Id && StartedAt == other.StartedAt;

    public override string ToString() => $"{Id}@{Address}";
}
