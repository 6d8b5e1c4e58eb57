using System.Net;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Corrosion.Gossip.Transport;

namespace Corrosion.Gossip.Membership.Tests;

/// <summary>The datagram half of <see cref="IPeerTransport"/> over a <see cref="TestDatagramNetwork"/>; streams are not supported.</summary>
internal sealed class TestDatagramTransport : IPeerTransport
{
    private readonly TestDatagramNetwork _network;
    private readonly Channel<PeerDatagram> _inbox = Channel.CreateUnbounded<PeerDatagram>(new UnboundedChannelOptions { SingleReader = true });
    private int _outstanding;

    public TestDatagramTransport(TestDatagramNetwork network, IPEndPoint localEndPoint, int maxDatagramSize)
    {
        _network = network;
        LocalEndPoint = localEndPoint;
        MaxDatagramSize = maxDatagramSize;
    }

    public string Name => "test-datagrams";

    public EndPoint LocalEndPoint { get; }

    public int MaxDatagramSize { get; }

    /// <summary>Datagrams queued here or handed to the reader and not yet done with.</summary>
    public int Outstanding => Volatile.Read(ref _outstanding);

    public ValueTask SendDatagramAsync(EndPoint destination, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        if (payload.Length > MaxDatagramSize)
        {
            throw new ArgumentException($"datagram of {payload.Length} bytes exceeds {MaxDatagramSize}", nameof(payload));
        }

        _network.Send(LocalEndPoint, destination, payload.ToArray());
        return ValueTask.CompletedTask;
    }

    public async IAsyncEnumerable<PeerDatagram> ReceiveDatagramsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (await _inbox.Reader.WaitToReadAsync(cancellationToken))
        {
            while (_inbox.Reader.TryRead(out var datagram))
            {
                yield return datagram;

                // The reader asked for the next one: it is done with this one.
                Interlocked.Decrement(ref _outstanding);
            }
        }
    }

    internal void Enqueue(PeerDatagram datagram)
    {
        Interlocked.Increment(ref _outstanding);
        if (!_inbox.Writer.TryWrite(datagram))
        {
            Interlocked.Decrement(ref _outstanding);
        }
    }

    public ValueTask<IPeerConnection> ConnectAsync(EndPoint destination, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("the test datagram network has no streams");

    public IAsyncEnumerable<IPeerConnection> AcceptAsync(CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("the test datagram network has no streams");

    public ValueTask DisposeAsync()
    {
        _network.Detach(this);
        _inbox.Writer.TryComplete();
        return ValueTask.CompletedTask;
    }
}
