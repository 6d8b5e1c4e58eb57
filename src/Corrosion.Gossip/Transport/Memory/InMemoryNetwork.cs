using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;

namespace Corrosion.Gossip.Transport.Memory;

/// <summary>
/// A network inside one process for tests and simulation: many <see cref="InMemoryPeerTransport"/>s addressed by fake
/// <see cref="IPEndPoint"/>s. Datagrams can be lost, duplicated and delayed (fixed delay plus uniform jitter, timed by the
/// injected <see cref="TimeProvider"/>, so a <c>FakeTimeProvider</c> drives them). Every random choice comes from the
/// injected <see cref="Random"/> under one lock, so a seeded run is repeatable when its sends are. Partitions block
/// datagrams (at send and again at delivery) and stream connects, and break the streams already open across them.
/// </summary>
internal sealed class InMemoryNetwork
{
    private readonly Lock _gate = new();
    private readonly Random _random;
    private readonly TimeProvider _timeProvider;
    private readonly Dictionary<IPEndPoint, InMemoryPeerTransport> _transports = [];
    private readonly List<(HashSet<IPEndPoint> A, HashSet<IPEndPoint> B)> _partitions = [];
    private readonly HashSet<InMemoryLink> _links = [];
    private double _lossRate;
    private double _duplicationRate;
    private int _nextPort = 40000;
    private long _sent;
    private long _dropped;
    private long _delivered;
    private long _duplicated;

    public InMemoryNetwork(Random random, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(random);
        _random = random;
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Probability (0..1) that a datagram is lost.</summary>
    public double LossRate
    {
        get => _lossRate;
        set => _lossRate = CheckProbability(value);
    }

    /// <summary>Probability (0..1) that a datagram is delivered twice.</summary>
    public double DuplicationRate
    {
        get => _duplicationRate;
        set => _duplicationRate = CheckProbability(value);
    }

    /// <summary>Fixed one-way delay of each datagram.</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>Extra delay drawn uniformly from [0, Jitter) per datagram copy (so datagrams can be reordered).</summary>
    public TimeSpan Jitter { get; set; }

    /// <summary>Largest datagram the transports created from now on accept.</summary>
    public int MaxDatagramSize { get; set; } = GossipTransportOptions.MinMtu;

    public long DatagramsSent => Interlocked.Read(ref _sent);

    /// <summary>Datagrams lost to <see cref="LossRate"/>, partitions, or a destination nobody is bound to.</summary>
    public long DatagramsDropped => Interlocked.Read(ref _dropped);

    public long DatagramsDelivered => Interlocked.Read(ref _delivered);

    public long DatagramsDuplicated => Interlocked.Read(ref _duplicated);

    /// <summary>Binds a transport at <paramref name="endPoint"/>; port 0 (or null) picks a free fake port.</summary>
    public InMemoryPeerTransport CreateTransport(IPEndPoint? endPoint = null)
    {
        endPoint ??= new IPEndPoint(IPAddress.Loopback, 0);
        lock (_gate)
        {
            if (endPoint.Port == 0)
            {
                do
                {
                    endPoint = new IPEndPoint(endPoint.Address, _nextPort++);
                }
                while (_transports.ContainsKey(endPoint));
            }

            if (_transports.ContainsKey(endPoint))
            {
                throw new AddressInUseException($"{endPoint} is already bound on this in-memory network");
            }

            var transport = new InMemoryPeerTransport(this, endPoint, MaxDatagramSize);
            _transports.Add(endPoint, transport);
            return transport;
        }
    }

    /// <summary>Cuts every path between a member of <paramref name="sideA"/> and a member of <paramref name="sideB"/>.</summary>
    public void Partition(IEnumerable<EndPoint> sideA, IEnumerable<EndPoint> sideB)
    {
        var a = sideA.Select(AsIp).ToHashSet();
        var b = sideB.Select(AsIp).ToHashSet();
        List<InMemoryLink> broken;
        lock (_gate)
        {
            _partitions.Add((a, b));
            broken = _links.Where(l => !CanReachLocked(l.Client, l.Server)).ToList();
            foreach (var link in broken)
            {
                _links.Remove(link);
            }
        }

        foreach (var link in broken)
        {
            link.Break();
        }
    }

    /// <summary>Removes every partition.</summary>
    public void Heal()
    {
        lock (_gate)
        {
            _partitions.Clear();
        }
    }

    /// <summary>Whether no partition separates the two endpoints.</summary>
    public bool CanReach(EndPoint from, EndPoint to)
    {
        lock (_gate)
        {
            return CanReachLocked(AsIp(from), AsIp(to));
        }
    }

    internal void SendDatagram(InMemoryPeerTransport from, EndPoint to, ReadOnlyMemory<byte> payload)
    {
        var destination = AsIp(to);
        Interlocked.Increment(ref _sent);
        int copies;
        TimeSpan firstDelay;
        var secondDelay = TimeSpan.Zero;
        lock (_gate)
        {
            if (!CanReachLocked(from.Endpoint, destination) || _random.NextDouble() < _lossRate)
            {
                Interlocked.Increment(ref _dropped);
                return;
            }

            copies = _random.NextDouble() < _duplicationRate ? 2 : 1;
            firstDelay = NextDelayLocked();
            if (copies == 2)
            {
                secondDelay = NextDelayLocked();
                Interlocked.Increment(ref _duplicated);
            }
        }

        var datagram = new PeerDatagram(from.Endpoint, payload.ToArray());
        Schedule(from.Endpoint, destination, datagram, firstDelay);
        if (copies == 2)
        {
            Schedule(from.Endpoint, destination, datagram, secondDelay);
        }
    }

    internal InMemoryPeerConnection Connect(InMemoryPeerTransport from, EndPoint to)
    {
        var destination = AsIp(to);
        InMemoryLink link;
        InMemoryPeerTransport target;
        lock (_gate)
        {
            if (!_transports.TryGetValue(destination, out target!))
            {
                throw new SocketException((int)SocketError.ConnectionRefused);
            }

            if (!CanReachLocked(from.Endpoint, destination))
            {
                throw new SocketException((int)SocketError.HostUnreachable);
            }

            link = new InMemoryLink(from.Endpoint, destination, Unlink);
            _links.Add(link);
        }

        if (!target.OfferConnection(link.ServerSide))
        {
            link.Break();
            throw new SocketException((int)SocketError.ConnectionRefused);
        }

        return link.ClientSide;
    }

    internal void Remove(InMemoryPeerTransport transport)
    {
        List<InMemoryLink> broken;
        lock (_gate)
        {
            _transports.Remove(transport.Endpoint);
            broken = _links.Where(l => l.Client.Equals(transport.Endpoint) || l.Server.Equals(transport.Endpoint)).ToList();
            foreach (var link in broken)
            {
                _links.Remove(link);
            }
        }

        foreach (var link in broken)
        {
            link.Break();
        }
    }

    private void Unlink(InMemoryLink link)
    {
        lock (_gate)
        {
            _links.Remove(link);
        }
    }

    private void Schedule(IPEndPoint from, IPEndPoint to, PeerDatagram datagram, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            Deliver(from, to, datagram);
            return;
        }

        _ = DeliverLaterAsync(from, to, datagram, delay);
    }

    private async Task DeliverLaterAsync(IPEndPoint from, IPEndPoint to, PeerDatagram datagram, TimeSpan delay)
    {
        await Task.Delay(delay, _timeProvider).ConfigureAwait(false);
        Deliver(from, to, datagram);
    }

    private void Deliver(IPEndPoint from, IPEndPoint to, PeerDatagram datagram)
    {
        InMemoryPeerTransport? target;
        lock (_gate)
        {
            if (!_transports.TryGetValue(to, out target) || !CanReachLocked(from, to))
            {
                target = null;
            }
        }

        if (target is not null && target.DeliverDatagram(datagram))
        {
            Interlocked.Increment(ref _delivered);
        }
        else
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    private TimeSpan NextDelayLocked() =>
        Jitter > TimeSpan.Zero ? Delay + (Jitter * _random.NextDouble()) : Delay;

    private bool CanReachLocked(IPEndPoint from, IPEndPoint to)
    {
        foreach (var (a, b) in _partitions)
        {
            if ((a.Contains(from) && b.Contains(to)) || (b.Contains(from) && a.Contains(to)))
            {
                return false;
            }
        }

        return true;
    }

    private static IPEndPoint AsIp(EndPoint endPoint) => endPoint as IPEndPoint
        ?? throw new ArgumentException($"the in-memory network addresses peers by IPEndPoint, got {endPoint.GetType().Name}", nameof(endPoint));

    private static double CheckProbability(double value) =>
        value is >= 0 and <= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "a probability must be between 0 and 1");

    /// <summary>One stream: two pipes per direction with a relay between them that the network can cut.</summary>
    private sealed class InMemoryLink
    {
        private readonly CancellationTokenSource _cut = new();
        private readonly Action<InMemoryLink> _onEnded;
        private int _relaysRunning = 2;

        public InMemoryLink(IPEndPoint client, IPEndPoint server, Action<InMemoryLink> onEnded)
        {
            Client = client;
            Server = server;
            _onEnded = onEnded;
            var options = new PipeOptions(pauseWriterThreshold: 1 << 20, resumeWriterThreshold: 1 << 19, useSynchronizationContext: false);
            var clientOut = new Pipe(options);
            var toServer = new Pipe(options);
            var serverOut = new Pipe(options);
            var toClient = new Pipe(options);
            ClientSide = new InMemoryPeerConnection(server, new DuplexPipe(toClient.Reader, clientOut.Writer));
            ServerSide = new InMemoryPeerConnection(client, new DuplexPipe(toServer.Reader, serverOut.Writer));
            _ = RelayAsync(clientOut.Reader, toServer.Writer);
            _ = RelayAsync(serverOut.Reader, toClient.Writer);
        }

        public IPEndPoint Client { get; }

        public IPEndPoint Server { get; }

        public InMemoryPeerConnection ClientSide { get; }

        public InMemoryPeerConnection ServerSide { get; }

        public void Break()
        {
            try
            {
                _cut.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // Both relays already ended.
            }
        }

        private async Task RelayAsync(PipeReader from, PipeWriter to)
        {
            Exception? error = null;
            var token = _cut.Token;
            try
            {
                while (true)
                {
                    var read = await from.ReadAsync(token).ConfigureAwait(false);
                    foreach (var segment in read.Buffer)
                    {
                        to.Write(segment.Span);
                    }

                    from.AdvanceTo(read.Buffer.End);
                    var flush = await to.FlushAsync(token).ConfigureAwait(false);
                    if (read.IsCompleted || flush.IsCompleted)
                    {
                        break;
                    }
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                error = new IOException("connection reset: the in-memory network cut this stream (partition or transport closed)");
            }
            catch (Exception e)
            {
                error = e;
            }

            await from.CompleteAsync(error).ConfigureAwait(false);
            await to.CompleteAsync(error).ConfigureAwait(false);
            if (Interlocked.Decrement(ref _relaysRunning) == 0)
            {
                _onEnded(this);
                _cut.Dispose();
            }
        }
    }
}
