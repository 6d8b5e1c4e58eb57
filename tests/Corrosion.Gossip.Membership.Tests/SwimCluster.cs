using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Corrosion.Gossip.Membership.Tests;

/// <summary>
/// Membership nodes on one <see cref="TestDatagramNetwork"/> and one <see cref="FakeTimeProvider"/>. Time only moves in
/// <see cref="AdvanceAsync"/>, which after each step waits until every datagram and every queued event has been
/// handled, so runs are reproducible for a given seed.
/// </summary>
internal sealed class SwimCluster : IAsyncDisposable
{
    public static readonly TimeSpan Step = TimeSpan.FromMilliseconds(50);

    private readonly List<SwimTestNode> _nodes = [];
    private int _nextSeed = 100;

    public SwimCluster(Action<SwimOptions>? configure = null, int networkSeed = 1)
    {
        Network = new TestDatagramNetwork(networkSeed);
        Configure = configure;
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public TestDatagramNetwork Network { get; }

    public Action<SwimOptions>? Configure { get; }

    public IReadOnlyList<SwimTestNode> Nodes => _nodes;

    public IEnumerable<SwimTestNode> Running => _nodes.Where(n => n.Running);

    /// <summary>Small periods so tests run in a few simulated minutes.</summary>
    public static SwimOptions FastOptions()
    {
        return new SwimOptions
        {
            ProbePeriod = TimeSpan.FromSeconds(1),
            ProbeRtt = TimeSpan.FromMilliseconds(300),
            GossipPeriod = TimeSpan.FromMilliseconds(200),
            AnnounceBackoffInitial = TimeSpan.FromMilliseconds(500),
            AnnounceBackoffMax = TimeSpan.FromSeconds(4),
            AnnouncePeriod = TimeSpan.FromSeconds(5),
            PersistInterval = TimeSpan.FromSeconds(1),
        };
    }

    /// <summary>A fixed actor id per index, so runs are reproducible (snapshot order follows actor ids).</summary>
    public static ActorId ActorIdOf(int index)
    {
        var bytes = new byte[ActorId.Size];
        bytes[0] = (byte)(index * 37);
        bytes[15] = (byte)index;
        return new ActorId(bytes);
    }

    public static IPEndPoint AddressOf(int index) => new(IPAddress.Parse($"10.0.0.{index + 1}"), 4001);

    /// <summary>
    /// Starts a node at <see cref="AddressOf"/>(<paramref name="index"/>); without <paramref name="settle"/> it does not
    /// wait for the join, so many nodes can start at the same simulated instant.
    /// </summary>
    public async Task<SwimTestNode> StartAsync(
        int index,
        IEnumerable<SwimTestNode>? bootstrap = null,
        ActorId? actorId = null,
        IMemberStore? store = null,
        Action<SwimOptions>? configure = null,
        bool settle = true,
        ILogger<SwimMembership>? logger = null)
    {
        var options = FastOptions();
        Configure?.Invoke(options);
        configure?.Invoke(options);
        foreach (var node in bootstrap ?? [])
        {
            options.Bootstrap.Add(node.Address);
        }

        var transport = Network.Attach(AddressOf(index));
        store ??= new InMemoryMemberStore();
        var membership = new SwimMembership(
            transport,
            options,
            actorId ?? ActorIdOf(index),
            Time,
            new Random(_nextSeed++),
            logger ?? NullLogger<SwimMembership>.Instance,
            store);
        var testNode = new SwimTestNode($"n{index}", membership, transport, store);
        _nodes.Add(testNode);
        await membership.StartAsync();
        if (settle)
        {
            await SettleAsync();
        }

        return testNode;
    }

    /// <summary>Starts <paramref name="count"/> nodes (indexes 0..count-1), all bootstrapping through node 0.</summary>
    public async Task<IReadOnlyList<SwimTestNode>> StartManyAsync(int count)
    {
        var first = await StartAsync(0);
        var nodes = new List<SwimTestNode> { first };
        for (var i = 1; i < count; i++)
        {
            nodes.Add(await StartAsync(i, [first]));
        }

        return nodes;
    }

    /// <summary>Stops a node gracefully (it announces Left) and detaches it from the network.</summary>
    public async Task StopAsync(SwimTestNode node)
    {
        await node.Membership.StopAsync();
        node.Running = false;
        await node.Transport.DisposeAsync();
        await SettleAsync();
    }

    /// <summary>Kills a node: nothing it sends on the way out reaches anyone.</summary>
    public async Task KillAsync(SwimTestNode node)
    {
        Network.Isolate(node.Address);
        await node.Membership.StopAsync();
        node.Running = false;
        await node.Transport.DisposeAsync();
        await SettleAsync();
        Network.Heal();
    }

    /// <summary>Advances fake time by <paramref name="duration"/> in <see cref="Step"/>s, settling after each.</summary>
    public async Task AdvanceAsync(TimeSpan duration)
    {
        var end = Time.GetUtcNow() + duration;
        while (Time.GetUtcNow() < end)
        {
            var step = end - Time.GetUtcNow() < Step ? end - Time.GetUtcNow() : Step;
            Time.Advance(step);
            await SettleAsync();
        }
    }

    /// <summary>
    /// Advances fake time until <paramref name="condition"/> holds, at most <paramref name="limit"/>; returns the
    /// simulated time it took. The failure names <paramref name="what"/> and the cluster's state.
    /// </summary>
    public async Task<TimeSpan> RunUntilAsync(Func<bool> condition, TimeSpan limit, string what)
    {
        var start = Time.GetUtcNow();
        while (!condition())
        {
            if (Time.GetUtcNow() - start >= limit)
            {
                throw new TimeoutException($"{what}: not reached within {limit.TotalSeconds:0.##} simulated seconds; state:\n{Describe()}");
            }

            Time.Advance(Step);
            await SettleAsync();
        }

        return Time.GetUtcNow() - start;
    }

    /// <summary>
    /// Runs the cluster to quiescence: waits until every node is idle, releases the next datagram in flight, and so on
    /// until none is left (bounded in real time).
    /// </summary>
    public async Task SettleAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        do
        {
            await WaitIdleAsync(deadline);
        }
        while (Network.DeliverNext());
    }

    /// <summary>Waits until no released datagram and no node event is pending (only this thread releases datagrams or advances time).</summary>
    private async Task WaitIdleAsync(DateTime deadline)
    {
        var spins = 0;
        while (Network.Outstanding != 0 || Running.Any(n => n.Membership.PendingEvents != 0))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"cluster did not settle: {Network.Outstanding} datagrams outstanding, pending events {string.Join(", ", Running.Select(n => $"{n}={n.Membership.PendingEvents}"))}");
            }

            if (++spins < 1000)
            {
                await Task.Yield();
            }
            else
            {
                await Task.Delay(1);
            }
        }
    }

    public bool AllSeeEachOther(IEnumerable<SwimTestNode> nodes, MemberStatus status = MemberStatus.Alive)
    {
        var list = nodes.ToList();
        return list.All(a => list.Where(b => b != a).All(b => a.View(b) is { } s && s.Status == status && s.Member.IsSameRunAs(b.Membership.Self)));
    }

    public string Describe() => string.Join(
        "\n",
        _nodes.Select(n => $"  {n}{(n.Running ? string.Empty : " (stopped)")} #{n.Membership.Incarnation}: " +
            string.Join(", ", n.Membership.Current.Members.Select(m => $"{NameOf(m.Id)}={m.Status}#{m.Incarnation}"))));

    private string NameOf(ActorId id) => _nodes.LastOrDefault(n => n.Id == id)?.Name ?? id.ToString()[..8];

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Running.ToList())
        {
            await node.Membership.StopAsync();
            node.Running = false;
            await node.Transport.DisposeAsync();
        }
    }
}
