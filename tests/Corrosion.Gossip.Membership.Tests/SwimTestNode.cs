using System.Net;

namespace Corrosion.Gossip.Membership.Tests;

/// <summary>One membership instance of a <see cref="SwimCluster"/>, with its transport and store.</summary>
internal sealed class SwimTestNode(string name, SwimMembership membership, TestDatagramTransport transport, IMemberStore store)
{
    public string Name { get; } = name;

    public SwimMembership Membership { get; } = membership;

    public TestDatagramTransport Transport { get; } = transport;

    public IMemberStore Store { get; } = store;

    public ActorId Id => Membership.Self.Id;

    /// <summary>Where the node is attached to the network (its advertised address may differ).</summary>
    public IPEndPoint Address => (IPEndPoint)Transport.LocalEndPoint;

    public bool Running { get; set; } = true;

    /// <summary>What this node holds about <paramref name="other"/>, or null.</summary>
    public MemberState? View(SwimTestNode other) =>
        Membership.Current.TryGet(other.Id, out var state) ? state : null;

    public MemberStatus? StatusOf(SwimTestNode other) => View(other)?.Status;

    public override string ToString() => Name;
}
