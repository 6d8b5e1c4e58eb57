using System.IO.Pipelines;
using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace Corrosion.Gossip.Transport;

/// <summary>
/// How a node reaches its peers: unreliable datagrams (SWIM membership) and reliable duplex streams (broadcast,
/// sync). Implementations: QUIC where the platform has it, TCP streams + UDP datagrams otherwise, and an in-memory
/// network for tests and simulation. Protocol code cannot tell them apart.
/// </summary>
internal interface IPeerTransport : IAsyncDisposable
{
    /// <summary>Human-readable name for logs ("tcp+udp", "quic", "memory").</summary>
    string Name { get; }

    /// <summary>The bound address (with the real port when bound to port 0).</summary>
    EndPoint LocalEndPoint { get; }

    /// <summary>Largest datagram payload this transport sends (from <c>gossip.max_mtu</c>).</summary>
    int MaxDatagramSize { get; }

    /// <summary>
    /// Sends one datagram; may be lost, duplicated or reordered. Never blocks on the peer.
    /// Throws <see cref="DatagramTooLargeException"/> when <paramref name="payload"/> exceeds <see cref="MaxDatagramSize"/>.
    /// </summary>
    ValueTask SendDatagramAsync(EndPoint destination, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default);

    /// <summary>Datagrams received, in arrival order. Completes when the transport is disposed.</summary>
    IAsyncEnumerable<PeerDatagram> ReceiveDatagramsAsync(CancellationToken cancellationToken = default);

    /// <summary>Opens a reliable stream to a peer (TLS-authenticated when configured).</summary>
    ValueTask<IPeerConnection> ConnectAsync(EndPoint destination, CancellationToken cancellationToken = default);

    /// <summary>Streams opened by peers. A failed handshake is logged and skipped, never ends the enumeration.</summary>
    IAsyncEnumerable<IPeerConnection> AcceptAsync(CancellationToken cancellationToken = default);
}

/// <summary>One received datagram and who sent it.</summary>
internal readonly record struct PeerDatagram(EndPoint RemoteEndPoint, ReadOnlyMemory<byte> Payload);

/// <summary>A reliable, ordered byte stream with a peer.</summary>
internal interface IPeerConnection : IAsyncDisposable
{
    EndPoint RemoteEndPoint { get; }

    /// <summary>
    /// The peer's certificate, else null: on a connected stream, the server certificate the peer presented over TLS; on an
    /// accepted stream, the client certificate when mutual TLS (<c>[gossip.tls.client]</c>) is on.
    /// </summary>
    X509Certificate2? RemoteCertificate { get; }

    IDuplexPipe Transport { get; }
}
