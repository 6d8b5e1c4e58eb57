using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Corrosion.TestKit;
using FluentAssertions;
using Xunit;

namespace Corrosion.Gossip.Tests.Metrics;

/// <summary>Three real nodes over the in-memory network; node 0's meter read with a <see cref="MeterListener"/>.</summary>
public sealed class GossipMetricsTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    /// <summary>Sums counters and keeps gauges' last values per "name{k=v,...}" for one meter.</summary>
    private sealed class Recorder : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentDictionary<string, double> _counters = new();
        private readonly ConcurrentDictionary<string, double> _observed = new();

        public Recorder(Meter meter)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (ReferenceEquals(instrument.Meter, meter))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            {
                var key = Key(instrument.Name, tags);
                if (instrument.IsObservable)
                {
                    _observed[key] = value;
                }
                else
                {
                    _counters.AddOrUpdate(key, value, (_, sum) => sum + value);
                }
            });
            _listener.Start();
        }

        private static string Key(string name, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var labels = new List<string>();
            foreach (var tag in tags)
            {
                labels.Add($"{tag.Key}={tag.Value}");
            }

            labels.Sort(StringComparer.Ordinal);
            return labels.Count == 0 ? name : $"{name}{{{string.Join(',', labels)}}}";
        }

        public double Counter(string key) => _counters.GetValueOrDefault(key);

        /// <summary>The sum over every label set of a counter.</summary>
        public double CounterSum(string name) => _counters.Where(kv => kv.Key == name || kv.Key.StartsWith(name + "{", StringComparison.Ordinal)).Sum(kv => kv.Value);

        public double Observe(string key)
        {
            _observed.Clear();
            _listener.RecordObservableInstruments();
            return _observed.TryGetValue(key, out var value) ? value : double.NaN;
        }

        public string Describe()
        {
            _listener.RecordObservableInstruments();
            return string.Join(", ", _counters.Concat(_observed).OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}={kv.Value}"));
        }

        public void Dispose() => _listener.Dispose();
    }

    [Fact]
    public async Task Membership_broadcast_sync_and_datagram_metrics_follow_a_three_node_cluster()
    {
        await using var cluster = await InMemoryCluster.StartAsync(3, seed: 5);
        var (node0, _) = cluster.Nodes[0];
        var (node1, _) = cluster.Nodes[1];
        using var recorder = new Recorder(node0.Metrics.Meter);

        await Eventually.UntilAsync(() => recorder.Observe("corro.gossip.members") == 2, Deadline, "node 0 sees 2 other members");
        recorder.Observe("corro.gossip.cluster_size").Should().Be(3);
        recorder.Observe("corro.gossip.config.num_indirect_probes").Should().Be(3, "SwimOptions' default");
        recorder.Observe("corro.gossip.config.max_transmissions").Should().BeGreaterThanOrEqualTo(1);

        var result = await node1.ExecuteAsync([new Statement("INSERT INTO todos (id, title) VALUES ('x', 'from node 1')"), new Statement("INSERT INTO todos (id, title) VALUES ('y', 'also')")]);
        var changes = (await node1.ReadChangesetsAsync(node1.ActorId, result.Version!.Value)).Sum(c => c.Changes.Count);
        changes.Should().BeGreaterThan(0);

        // Broadcast or sync, whichever arrives first: the version is applied once, so its changes are counted once.
        await Eventually.UntilAsync(
            () => Task.FromResult(recorder.Counter("corro.changes.committed{source=remote,table=todos}") >= changes),
            Deadline,
            "node 1's changes committed on node 0",
            () => Task.FromResult(recorder.Describe()));
        recorder.Counter("corro.changes.committed{source=remote,table=todos}").Should().Be(changes);
        recorder.Counter("corro.changes.committed{source=local,table=todos}").Should().Be(0, "node 0 wrote nothing itself");
        await Eventually.UntilAsync(
            () => recorder.Counter("corro.peer.datagram.sent.total") > 0 && recorder.Counter("corro.peer.datagram.recv.total") > 0,
            Deadline,
            "node 0 probing and being probed");
        recorder.Counter("corro.peer.datagram.bytes.recv.total").Should().BeGreaterThan(recorder.Counter("corro.peer.datagram.recv.total"));

        // The changes reached node 0 over a stream (a broadcast it accepted, or a sync): its bytes were counted.
        (recorder.Counter("corro.peer.stream.accept.total{type=bi}") + recorder.Counter("corro.peer.stream.connect.total{type=bi}")).Should().BeGreaterThan(0);
        recorder.Counter("corro.peer.stream.bytes.recv.total").Should().BeGreaterThan(0);
        await Eventually.UntilAsync(() => recorder.CounterSum("corro.sync.client.member") > 0, Deadline, "node 0 completed a sync");
        // (Not >= the completed count: the recorder attached after the cluster started, maybe between an attempt and its end.)
        recorder.CounterSum("corro.sync.attempts.count").Should().BeGreaterThan(0);
        recorder.Counter("corro.peer.stream.bytes.sent.total").Should().BeGreaterThan(0, "a completed sync sent node 0's sync state");
        var peers = cluster.Nodes.Skip(1).Select(n => n.Node.ActorId.ToString()).ToList();
        recorder.Describe().Should().MatchRegex($"corro\\.sync\\.client\\.member\\{{addr=[^,]+,id=({string.Join('|', peers)})\\}}=", "syncs are labelled with the peer's id and address");
        recorder.Observe("corro.broadcast.pending.count").Should().Be(0, "node 0 has nothing of its own to broadcast");
    }

    [Fact]
    public async Task A_stopped_member_is_counted_as_removed_and_leaves_the_members_gauge()
    {
        await using var cluster = await InMemoryCluster.StartAsync(3, seed: 9);
        var (node0, _) = cluster.Nodes[0];
        using var recorder = new Recorder(node0.Metrics.Meter);
        await Eventually.UntilAsync(() => recorder.Observe("corro.gossip.members") == 2, Deadline, "node 0 sees 2 other members");
        var removedBefore = recorder.Counter("corro.gossip.member.removed");

        var (_, leaving) = cluster.Nodes[2];
        await leaving.StopAsync(CancellationToken.None);

        await Eventually.UntilAsync(() => Task.FromResult(recorder.Observe("corro.gossip.members") == 1), Deadline, "node 0 sees node 2 gone", () => Task.FromResult(recorder.Describe()));
        recorder.Observe("corro.gossip.cluster_size").Should().Be(2);
        recorder.Counter("corro.gossip.member.removed").Should().Be(removedBefore + 1);
    }
}
