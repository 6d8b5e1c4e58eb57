using System.Net;
using System.Threading.Channels;

namespace Corrosion.Gossip.Transport.Memory;

/// <summary>A transport on an <see cref="InMemoryNetwork"/>; create it with <see cref="InMemoryNetwork.CreateTransport"/>.</summary>
internal sealed class InMemoryPeerTransport : IPeerTransport
{
    /// <summary>The name used in logs.</summary>
    public const string TransportName = "memory";

    private readonly InMemoryNetwork _network;
    private readonly Channel<PeerDatagram> _datagrams =
        Channel.CreateBounded<PeerDatagram>(new BoundedChannelOptions(4096) { FullMode = BoundedChannelFullMode.DropOldest });

    private readonly Channel<IPeerConnection> _accepted = Channel.CreateUnbounded<IPeerConnection>();
    private int _disposed;

    internal InMemoryPeerTransport(InMemoryNetwork network, IPEndPoint endPoint, int maxDatagramSize)
    {
        _network = network;
        Endpoint = endPoint;
        MaxDatagramSize = maxDatagramSize;
    }

    public string Name => TransportName;

    public EndPoint LocalEndPoint => Endpoint;

    public int MaxDatagramSize { get; }

    internal IPEndPoint Endpoint { get; }

    public ValueTask SendDatagramAsync(EndPoint destination, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (payload.Length > MaxDatagramSize)
        {
            throw new DatagramTooLargeException(payload.Length, MaxDatagramSize);
        }

        cancellationToken.ThrowIfCancellationRequested();
        _network.SendDatagram(this, destination, payload);
        return ValueTask.CompletedTask;
    }

    public IAsyncEnumerable<PeerDatagram> ReceiveDatagramsAsync(CancellationToken cancellationToken = default) =>
        _datagrams.Reader.ReadAllAsync(cancellationToken);

    public ValueTask<IPeerConnection> ConnectAsync(EndPoint destination, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult<IPeerConnection>(_network.Connect(this, destination));
    }

    public IAsyncEnumerable<IPeerConnection> AcceptAsync(CancellationToken cancellationToken = default) =>
        _accepted.Reader.ReadAllAsync(cancellationToken);

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _network.Remove(this);
            _datagrams.Writer.TryComplete();
            _accepted.Writer.TryComplete();
        }

        return ValueTask.CompletedTask;
    }

    internal bool DeliverDatagram(PeerDatagram datagram) => _datagrams.Writer.TryWrite(datagram);

    internal bool OfferConnection(IPeerConnection connection) => _accepted.Writer.TryWrite(connection);
}
