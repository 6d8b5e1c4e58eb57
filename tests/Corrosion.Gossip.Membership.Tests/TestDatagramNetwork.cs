using System.Collections.Concurrent;
using System.Net;

namespace Corrosion.Gossip.Membership.Tests;

/// <summary>
/// An in-process datagram network for SWIM tests: delivery is immediate (into the receiver's inbox), with seeded
/// random loss, one-way blocks and isolation. It counts datagrams that are queued or being handled so a test can wait
/// until the whole cluster is idle before advancing fake time.
/// </summary>
internal sealed class TestDatagramNetwork
{
    private readonly ConcurrentDictionary<EndPoint, TestDatagramTransport> _transports = new();
    private readonly ConcurrentDictionary<(EndPoint From, EndPoint To), bool> _blocked = new();
    private readonly ConcurrentDictionary<EndPoint, bool> _isolated = new();
    private readonly Random _random;
    private readonly Lock _randomLock = new();
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

    /// <summary>Datagrams queued at, or being handled by, attached receivers.</summary>
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

    /// <summary>Delivers raw bytes to <paramref name="to"/> as if <paramref name="from"/> sent them (fuzzing).</summary>
    public void Inject(EndPoint from, EndPoint to, byte[] payload) => Send(from, to, payload);

    internal void Send(EndPoint from, EndPoint to, byte[] payload)
    {
        Interlocked.Increment(ref _sent);
        if (_isolated.ContainsKey(from) || _isolated.ContainsKey(to) || _blocked.ContainsKey((from, to)) || Lost()
            || !_transports.TryGetValue(to, out var receiver))
        {
            Interlocked.Increment(ref _dropped);
            return;
        }

        receiver.Enqueue(new Transport.PeerDatagram(from, payload));
    }

    private bool Lost()
    {
        if (LossRate <= 0)
        {
            return false;
        }

        lock (_randomLock)
        {
            return _random.NextDouble() < LossRate;
        }
    }
}
