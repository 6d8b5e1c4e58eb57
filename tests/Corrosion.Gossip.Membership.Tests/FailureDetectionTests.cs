using Xunit.Abstractions;

namespace Corrosion.Gossip.Membership.Tests;

public sealed class FailureDetectionTests(ITestOutputHelper output)
{
    /// <summary>
    /// The documented deadline (docs/membership.md): a member that goes silent at t is Suspect somewhere by
    /// t + 2(n-1)·ProbePeriod and Down on every live member by t + 2(n-1)·ProbePeriod + S(n) + 2·GossipPeriod, with
    /// S(n) = SuspicionMultiplier · max(1, log10 n) · ProbePeriod; and nobody declares it Down before t + S(n).
    /// </summary>
    internal static (TimeSpan FirstSuspect, TimeSpan Down, TimeSpan NotBefore) Deadlines(SwimOptions options, int n)
    {
        var firstSuspect = options.ProbePeriod * (2 * (n - 1));
        var suspicion = options.SuspicionTimeout(n);
        return (firstSuspect, firstSuspect + suspicion + (options.GossipPeriod * 2) + SwimCluster.Step, suspicion);
    }

    [Fact]
    public async Task A_silent_member_becomes_suspect_then_down_everywhere_within_the_deadline_and_refutes_when_back()
    {
        await using var cluster = new SwimCluster();
        var nodes = await cluster.StartManyAsync(3);
        await cluster.RunUntilAsync(() => cluster.AllSeeEachOther(nodes), TimeSpan.FromSeconds(10), "initial join");
        await cluster.AdvanceAsync(TimeSpan.FromSeconds(3));

        var silent = nodes[2];
        var others = nodes.Take(2).ToList();
        var incarnationBefore = silent.Membership.Incarnation;
        var options = SwimCluster.FastOptions();
        var (firstSuspectBound, downBound, notBefore) = Deadlines(options, 3);
        notBefore.Should().Be(TimeSpan.FromSeconds(6), "S(3) = 6 · max(1, log10 3) · 1 s");

        cluster.Network.Isolate(silent.Address);
        var start = cluster.Time.GetUtcNow();
        var suspectedAt = new Dictionary<SwimTestNode, TimeSpan>();
        var downAt = new Dictionary<SwimTestNode, TimeSpan>();
        await cluster.RunUntilAsync(
            () =>
            {
                var now = cluster.Time.GetUtcNow() - start;
                foreach (var other in others)
                {
                    var status = other.StatusOf(silent);
                    if (status is MemberStatus.Suspect or MemberStatus.Down)
                    {
                        suspectedAt.TryAdd(other, now);
                    }

                    if (status == MemberStatus.Down)
                    {
                        downAt.TryAdd(other, now);
                    }
                }

                return downAt.Count == others.Count;
            },
            downBound + TimeSpan.FromSeconds(10),
            "silent member down on every other member");

        output.WriteLine($"bounds: suspect {firstSuspectBound}, down {downBound}, not before {notBefore}");
        output.WriteLine($"suspected at {string.Join(", ", suspectedAt.Select(p => $"{p.Key}={p.Value}"))}; down at {string.Join(", ", downAt.Select(p => $"{p.Key}={p.Value}"))}");
        suspectedAt.Values.Min().Should().BeLessThanOrEqualTo(firstSuspectBound, "some member suspects it within 2(n-1) probe periods");
        downAt.Values.Max().Should().BeLessThanOrEqualTo(downBound, $"declared down everywhere within the documented deadline; state:\n{cluster.Describe()}");
        downAt.Values.Min().Should().BeGreaterThanOrEqualTo(notBefore, "a suspect gets the whole suspicion timeout to refute");
        foreach (var other in others)
        {
            // Everyone that declares it down saw it suspect first (no direct Alive -> Down jump).
            suspectedAt[other].Should().BeLessThan(downAt[other], $"{other} suspected it before declaring it down");
        }

        // Back on the network: it learns it was declared down, refutes with a higher incarnation and is Alive again.
        cluster.Network.Heal();
        var back = await cluster.RunUntilAsync(
            () => cluster.AllSeeEachOther(nodes),
            TimeSpan.FromSeconds(30),
            "silent member alive again everywhere");
        output.WriteLine($"alive again everywhere after {back}; incarnation {incarnationBefore} -> {silent.Membership.Incarnation}");
        back.Should().BeLessThanOrEqualTo(options.AnnouncePeriod + (options.ProbePeriod * 4), "the periodic announce to down members heals within one AnnouncePeriod");
        silent.Membership.Incarnation.Should().BeGreaterThan(incarnationBefore, "it refuted by raising its incarnation");
        foreach (var other in others)
        {
            other.View(silent)!.Incarnation.Should().Be(silent.Membership.Incarnation);
        }
    }

    [Theory]
    [InlineData(3, true)]
    [InlineData(0, false)]
    public async Task Indirect_probes_keep_a_member_alive_when_only_the_direct_path_is_broken(int indirectProbes, bool staysAlive)
    {
        await using var cluster = new SwimCluster(o => o.NumIndirectProbes = indirectProbes);
        var nodes = await cluster.StartManyAsync(3);
        await cluster.RunUntilAsync(() => cluster.AllSeeEachOther(nodes), TimeSpan.FromSeconds(10), "initial join");
        var (a, b) = (nodes[0], nodes[1]);

        cluster.Network.Block(a.Address, b.Address);
        var everSuspected = false;
        var end = cluster.Time.GetUtcNow() + TimeSpan.FromSeconds(40);
        while (cluster.Time.GetUtcNow() < end)
        {
            await cluster.AdvanceAsync(SwimCluster.Step);
            everSuspected |= a.StatusOf(b) != MemberStatus.Alive || b.StatusOf(a) != MemberStatus.Alive;
        }

        if (staysAlive)
        {
            everSuspected.Should().BeFalse($"c relays the probes between a and b; state:\n{cluster.Describe()}");
            cluster.AllSeeEachOther(nodes).Should().BeTrue();
        }
        else
        {
            everSuspected.Should().BeTrue("without indirect probes a broken direct path means suspicion");
        }
    }

    [Fact]
    public async Task Updates_still_reach_everyone_with_ten_percent_loss()
    {
        await using var cluster = new SwimCluster();
        cluster.Network.LossRate = 0.10;
        var nodes = await cluster.StartManyAsync(6);
        await cluster.RunUntilAsync(() => cluster.AllSeeEachOther(nodes), TimeSpan.FromSeconds(30), "six members alive everywhere despite loss");

        var silent = nodes[5];
        cluster.Network.Isolate(silent.Address);
        var deadline = Deadlines(SwimCluster.FastOptions(), 6).Down + TimeSpan.FromSeconds(5);
        await cluster.RunUntilAsync(
            () => nodes.Take(5).All(n => n.StatusOf(silent) == MemberStatus.Down),
            deadline,
            "silent member down everywhere under 10% loss");
    }
}
