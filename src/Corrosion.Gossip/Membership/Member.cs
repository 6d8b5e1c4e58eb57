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
    /// <summary>Describes one run of a node.</summary>
    /// <param name="id">The node's actor id.</param>
    /// <param name="address">The gossip address the node advertises.</param>
    /// <param name="startedAt">When this run started; truncated to milliseconds, the precision the wire carries.</param>
    /// <param name="clusterId">The node's cluster id (<c>gossip.cluster_id</c>).</param>
    /// <exception cref="ArgumentNullException"><paramref name="address"/> is null.</exception>
    public Member(ActorId id, IPEndPoint address, DateTimeOffset startedAt, ushort clusterId = 0)
    {
        ArgumentNullException.ThrowIfNull(address);
        Id = id;
        Address = address;
        // The wire carries milliseconds; truncate here so a decoded member equals the one that was encoded.
        StartedAt = DateTimeOffset.FromUnixTimeMilliseconds(startedAt.ToUnixTimeMilliseconds());
        ClusterId = clusterId;
    }

    /// <summary>The node's actor id.</summary>
    public ActorId Id { get; }

    /// <summary>The gossip address the node advertises (<c>gossip.external_addr</c> or its bound address).</summary>
    public IPEndPoint Address { get; }

    /// <summary>When this run of the node started (millisecond precision); later supersedes earlier.</summary>
    public DateTimeOffset StartedAt { get; }

    /// <summary>The node's cluster id (<c>gossip.cluster_id</c>).</summary>
    public ushort ClusterId { get; }

    /// <summary>True when both describe the same run of the same node (actor id and start time).</summary>
    public bool IsSameRunAs(Member other) => Id == other.Id && StartedAt == other.StartedAt;

    /// <summary><c>actorid@address</c>.</summary>
    public override string ToString() => $"{Id}@{Address}";
}
