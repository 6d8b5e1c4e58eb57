using System.Collections.Concurrent;
using System.Net;

namespace Corrosion.Gossip.Membership.Tests;

/// <summary>
/// An in-process datagram network for SWIM tests, with seeded random loss, one-way blocks and isolation. Sent
/// datagrams wait in the network until <see cref="DeliverNext"/> releases them one at a time, in a canonical order
/// (sender address, then the sender's own sequence), and loss is decided at release: with every node idle between
/// releases, a run depends only on the seeds, not on thread scheduling.
/// </summary>
internal sealed class TestDatagramNetwork
{
    private readonly ConcurrentDictionary<EndPoint, TestDatagramTransport> _transports = new();
    private readonly ConcurrentDictionary<(EndPoint From, EndPoint To), bool> _blocked = new();
    private readonly ConcurrentDictionary<EndPoint, bool> _isolated = new();
    private readonly Dictionary<EndPoint, long> _sequences = [];
    private readonly List<Datagram> _inFlight = [];
    private readonly Random _random;
    private readonly Lock _lock = new();
    private long _sent;
    private long _dropped;

    public TestDatagramNetwork(int seed = 1)
    {
        _random = new Random(seed);
    }

    /// <summary>Probability that any datagram is lost.</summary>
    public double LossRate { get; set; }

    /// <summary>Datagrams handed to the network so far (delivered or not).</summary>
    public long Sent => Interlocked.Read(ref _sent);

    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Datagrams sent and not yet released by <see cref="DeliverNext"/>.</summary>
    public int InFlight
    {
        get
        {
            lock (_lock)
            {
                return _inFlight.Count;
            }
        }
    }

    /// <summary>Datagrams released to attached receivers that they have not finished handling.</summary>
    public int Outstanding => _transports.Values.Sum(t => t.Outstanding);

    public TestDatagramTransport Attach(IPEndPoint endPoint, int maxDatagramSize = 1178)
    {
        var transport = new TestDatagramTransport(this, endPoint, maxDatagramSize);
        if (!_transports.TryAdd(endPoint, transport))
        {
            throw new InvalidOperationException($"{endPoint} is already attached");
        }

        return transport;
    }

    internal void Detach(TestDatagramTransport transport) => _transports.TryRemove(new KeyValuePair<EndPoint, TestDatagramTransport>(transport.LocalEndPoint, transport));

    /// <summary>Drops everything <paramref name="from"/> sends to <paramref name="to"/> (the other direction still works).</summary>
    public void Block(EndPoint from, EndPoint to) => _blocked[(from, to)] = true;

    /// <summary>Drops everything sent to or from <paramref name="endPoint"/>.</summary>
    public void Isolate(EndPoint endPoint) => _isolated[endPoint] = true;

    public void Heal()
    {
        _blocked.Clear();
        _isolated.Clear();
    }

    /// <summary>Queues raw bytes to <paramref name="to"/> as if <paramref name="from"/> sent them (fuzzing).</summary>
    public void Inject(EndPoint from, EndPoint to, byte[] payload) => Send(from, to, payload);

    internal void Send(EndPoint from, EndPoint to, byte[] payload)
    {
        Interlocked.Increment(ref _sent);
        lock (_lock)
        {
            var sequence = _sequences.GetValueOrDefault(from) + 1;
            _sequences[from] = sequence;
            _inFlight.Add(new Datagram(from, to, payload, sequence));
        }
    }

    /// <summary>
    /// Releases the first datagram in canonical order: dropped if lost, blocked or addressed to nobody, else queued at
    /// its receiver. Returns false when none is in flight.
    /// </summary>
    public bool DeliverNext()
    {
        Datagram next;
        bool lost;
        lock (_lock)
        {
            if (_inFlight.Count == 0)
            {
                return false;
            }

            var index = 0;
            for (var i = 1; i < _inFlight.Count; i++)
            {
                if (Compare(_inFlight[i], _inFlight[index]) < 0)
                {
                    index = i;
                }
            }

            next = _inFlight[index];
            _inFlight.RemoveAt(index);
            lost = LossRate > 0 && _random.NextDouble() < LossRate;
        }

        if (lost || _isolated.ContainsKey(next.From) || _isolated.ContainsKey(next.To) || _blocked.ContainsKey((next.From, next.To))
            || !_transports.TryGetValue(next.To, out var receiver))
        {
            Interlocked.Increment(ref _dropped);
            return true;
        }

        receiver.Enqueue(new Transport.PeerDatagram(next.From, next.Payload));
        return true;
    }

    private static int Compare(Datagram a, Datagram b)
    {
        var byFrom = string.CompareOrdinal(a.From.ToString(), b.From.ToString());
        return byFrom != 0 ? byFrom : a.Sequence.CompareTo(b.Sequence);
    }

    private readonly record struct Datagram(EndPoint From, EndPoint To, byte[] Payload, long Sequence);
}
