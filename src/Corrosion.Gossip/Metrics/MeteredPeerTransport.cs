using System.Net;
using System.Runtime.CompilerServices;
using Corrosion.Gossip.Transport;

namespace Corrosion.Gossip.Metrics;

/// <summary>
/// Counts what crosses a transport (datagrams, streams opened and accepted, and their bytes) for the
/// <c>corro.peer.*</c> counters, whatever the transport underneath. Disposing it leaves the inner transport to its owner.
/// </summary>
internal sealed class MeteredPeerTransport(IPeerTransport inner, GossipMetrics metrics) : IPeerTransport
{
    public string Name => inner.Name;

    public EndPoint LocalEndPoint => inner.LocalEndPoint;

    public int MaxDatagramSize => inner.MaxDatagramSize;

    public async ValueTask SendDatagramAsync(EndPoint destination, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        await inner.SendDatagramAsync(destination, payload, cancellationToken).ConfigureAwait(false);
        metrics.DatagramSent(payload.Length);
    }

    public async IAsyncEnumerable<PeerDatagram> ReceiveDatagramsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var datagram in inner.ReceiveDatagramsAsync(cancellationToken).ConfigureAwait(false))
        {
            metrics.DatagramReceived(datagram.Payload.Length);
            yield return datagram;
        }
    }

    public async ValueTask<IPeerConnection> ConnectAsync(EndPoint destination, CancellationToken cancellationToken = default)
    {
        var connection = await inner.ConnectAsync(destination, cancellationToken).ConfigureAwait(false);
        metrics.StreamOpened();
        return new MeteredPeerConnection(connection, metrics);
    }

    public async IAsyncEnumerable<IPeerConnection> AcceptAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var connection in inner.AcceptAsync(cancellationToken).ConfigureAwait(false))
        {
            metrics.StreamAccepted();
            yield return new MeteredPeerConnection(connection, metrics);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>A stream whose pipes count the bytes read and written; disposing it disposes the stream.</summary>
    private sealed class MeteredPeerConnection(IPeerConnection inner, GossipMetrics metrics) : IPeerConnection
    {
        public EndPoint RemoteEndPoint => inner.RemoteEndPoint;

        public System.Security.Cryptography.X509Certificates.X509Certificate2? RemoteCertificate => inner.RemoteCertificate;

        public System.IO.Pipelines.IDuplexPipe Transport { get; } = new DuplexPipe(
            new CountingPipeReader(inner.Transport.Input, metrics.StreamBytesReceived),
            new CountingPipeWriter(inner.Transport.Output, metrics.StreamBytesSent));

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
