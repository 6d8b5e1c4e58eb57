using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Corrosion.Gossip.Transport.Tcp;

/// <summary>
/// The peer transport where QUIC is unavailable, on the port of <c>gossip.addr</c>.
/// <list type="bullet">
/// <item>Plaintext: TCP streams and UDP datagrams; nothing is authenticated.</item>
/// <item>TLS (<c>[gossip.tls]</c>): TCP streams through <see cref="SslStream"/>, and datagrams ride TLS too, as they would
/// inside a QUIC connection: each peer gets one lazily opened, long-lived TLS connection negotiated with ALPN
/// <see cref="DatagramProtocol"/> that carries only <see cref="Protocol.PeerFrameType.Datagram"/> frames (see
/// <see cref="TlsDatagramLink"/>). No UDP socket is bound, so nothing reaches the node outside TLS. A receiver
/// learns of a datagram only from a connection that passed its TLS policy (with <c>[gossip.tls.client]</c>, one whose
/// client certificate chains to <c>ca_file</c>).</item>
/// </list>
/// </summary>
internal sealed class TcpUdpPeerTransport : IPeerTransport
{
    /// <summary>The name used in logs.</summary>
    public const string TransportName = "tcp+udp";

    private const int MaxBindAttempts = 16;

    /// <summary>ALPN of a TLS connection carrying peer streams (broadcast, sync).</summary>
    internal static readonly SslApplicationProtocol StreamProtocol = new("corrosion");

    /// <summary>ALPN of a TLS connection carrying datagrams (SWIM), and nothing else.</summary>
    internal static readonly SslApplicationProtocol DatagramProtocol = new("corrosion-datagram");

    private static readonly TimeSpan MaxHandshakeTime = TimeSpan.FromSeconds(10);

    private readonly Socket _listener;
    private readonly Socket? _udp;
    private readonly PeerTlsContext? _tls;
    private readonly ushort _port;
    private readonly TimeSpan _idleTimeout;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Channel<PeerDatagram> _datagrams;
    private readonly Channel<IPeerConnection> _accepted;
    private readonly ConcurrentDictionary<StreamPeerConnection, byte> _connections = new();
    private readonly ConcurrentDictionary<IPEndPoint, TlsDatagramLink> _links = new();
    private readonly ConcurrentDictionary<Task, byte> _datagramReaders = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationToken _stoppingToken;
    private readonly Task _acceptLoop;
    private readonly Task _receiveLoop;
    private long _lostDatagrams;
    private long _rejectedDatagramConnections;
    private long _overflowedDatagrams;
    private long _failedHandshakes;
    private int _disposed;

    private TcpUdpPeerTransport(Socket listener, Socket? udp, GossipTransportOptions options, PeerTlsContext? tls, TimeProvider timeProvider, ILogger logger)
    {
        _listener = listener;
        _udp = udp;
        _tls = tls;
        _timeProvider = timeProvider;
        _logger = logger;
        _idleTimeout = options.IdleTimeout;
        MaxDatagramSize = options.EffectiveMtu - (tls is null ? 0 : FrameCodec.DatagramOverhead);
        LocalEndPoint = Normalize((IPEndPoint)listener.LocalEndPoint!);
        _port = (ushort)((IPEndPoint)LocalEndPoint).Port;
        _stoppingToken = _stopping.Token;
        _datagrams = Channel.CreateBounded<PeerDatagram>(
            new BoundedChannelOptions(4096) { FullMode = BoundedChannelFullMode.DropOldest, SingleWriter = true },
            _ => Interlocked.Increment(ref _overflowedDatagrams));
        _accepted = Channel.CreateBounded<IPeerConnection>(new BoundedChannelOptions(256) { FullMode = BoundedChannelFullMode.Wait });
        _acceptLoop = Task.Run(AcceptLoopAsync);
        _receiveLoop = udp is null ? Task.CompletedTask : Task.Run(ReceiveLoopAsync);
    }

    public string Name => TransportName;

    public EndPoint LocalEndPoint { get; }

    public int MaxDatagramSize { get; }

    /// <summary>True when streams and datagrams both travel over TLS (no UDP socket is bound).</summary>
    public bool IsSecure => _tls is not null;

    /// <summary>
    /// With TLS: datagrams this node sent that were lost before reaching a connection (the per-peer queue was full, or the
    /// TLS datagram connection could not be opened or broke).
    /// </summary>
    public long DatagramsLost => Interlocked.Read(ref _lostDatagrams);

    /// <summary>With TLS: datagram connections from peers closed because they broke the datagram framing.</summary>
    public long RejectedDatagramConnections => Interlocked.Read(ref _rejectedDatagramConnections);

    /// <summary>Open TCP connections (streams and datagram connections, both directions); for tests.</summary>
    internal int OpenConnections => _connections.Count;

    /// <summary>Datagrams dropped because nobody read them fast enough (the oldest go first).</summary>
    public long OverflowedDatagramsDropped => Interlocked.Read(ref _overflowedDatagrams);

    /// <summary>Accepted TCP connections whose TLS handshake failed (and were closed).</summary>
    public long FailedHandshakes => Interlocked.Read(ref _failedHandshakes);

    /// <summary>
    /// Binds TCP, and UDP when plaintext, on <see cref="GossipTransportOptions.Addr"/>. With port 0, TCP picks a port and UDP
    /// binds the same number; when that UDP port is taken, both are retried with a new OS-assigned port.
    /// </summary>
    /// <exception cref="AddressInUseException">The requested port is taken.</exception>
    public static TcpUdpPeerTransport Bind(GossipTransportOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!GossipTransportOptionsValidator.TryParseEndPoint(options.Addr, out var requested))
        {
            throw new ArgumentException($"gossip.addr: '{options.Addr}' is not ip:port", nameof(options));
        }

        var logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<TcpUdpPeerTransport>();
        PeerTlsContext? tls = null;
        if (!options.Plaintext && options.Tls is not null)
        {
            tls = PeerTlsContext.Load(options.Tls);
        }
        else if (!options.Plaintext)
        {
            throw new InvalidOperationException("gossip: neither plaintext nor tls is configured; set gossip.plaintext = true or configure [gossip.tls]");
        }

        try
        {
            var (listener, udp) = BindSockets(requested, bindUdp: tls is null, logger);
            return new TcpUdpPeerTransport(listener, udp, options, tls, timeProvider ?? TimeProvider.System, logger);
        }
        catch
        {
            tls?.Dispose();
            throw;
        }
    }

    public async ValueTask SendDatagramAsync(EndPoint destination, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (payload.Length > MaxDatagramSize)
        {
            throw new DatagramTooLargeException(payload.Length, MaxDatagramSize);
        }

        var target = await ResolveAsync(destination, cancellationToken).ConfigureAwait(false);
        if (_udp is not null)
        {
            await _udp.SendToAsync(payload, SocketFlags.None, ForThisSocket(target), cancellationToken).ConfigureAwait(false);
            return;
        }

        var frame = new ArrayBufferWriter<byte>(payload.Length + FrameCodec.DatagramOverhead);
        FrameCodec.WriteDatagram(frame, _port, payload.Span);
        var encoded = frame.WrittenMemory.ToArray();
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var link = _links.GetOrAdd(target, static (t, self) => self.CreateLink(t), this);
            if (link.TryEnqueue(encoded))
            {
                return;
            }

            // That link just retired; the next one opens a fresh connection.
            _links.TryRemove(new KeyValuePair<IPEndPoint, TlsDatagramLink>(target, link));
        }

        OnDatagramsLost(target, 1, "the transport is stopping");
    }

    public IAsyncEnumerable<PeerDatagram> ReceiveDatagramsAsync(CancellationToken cancellationToken = default) =>
        _datagrams.Reader.ReadAllAsync(cancellationToken);

    public async ValueTask<IPeerConnection> ConnectAsync(EndPoint destination, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var target = await ResolveAsync(destination, cancellationToken).ConfigureAwait(false);
        return await ConnectCoreAsync(target, StreamProtocol, cancellationToken).ConfigureAwait(false);
    }

    private async Task<StreamPeerConnection> ConnectCoreAsync(IPEndPoint target, SslApplicationProtocol protocol, CancellationToken cancellationToken)
    {
        var socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream stream;
        X509Certificate2? remoteCertificate = null;
        try
        {
            await socket.ConnectAsync(target, cancellationToken).ConfigureAwait(false);
            stream = new NetworkStream(socket, ownsSocket: true);
            if (_tls is not null)
            {
                var ssl = SerializedTlsStream.Create(stream);
                stream = ssl;
                using var handshake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stoppingToken);
                handshake.CancelAfter(HandshakeTimeout);
                var check = new CertificateCheck();
                try
                {
                    await ssl.AuthenticateAsClientAsync(_tls.CreateClientOptions(target, [protocol], check), handshake.Token).ConfigureAwait(false);
                }
                catch (AuthenticationException) when (check.Rejection is { } rejection)
                {
                    // This node refused the peer's server certificate: say why, as the accepting side does.
                    Log.TlsServerCertificateRefused(_logger, target, rejection);
                    await ssl.DisposeAsync().ConfigureAwait(false);
                    throw;
                }

                remoteCertificate = ssl.Ssl.RemoteCertificate as X509Certificate2;
            }
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return Track(new StreamPeerConnection(stream, ShutdownWrites(stream, socket), target, remoteCertificate, _idleTimeout, _timeProvider, _logger, Untrack));
    }

    public IAsyncEnumerable<IPeerConnection> AcceptAsync(CancellationToken cancellationToken = default) =>
        _accepted.Reader.ReadAllAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        _udp?.Dispose();
        await Task.WhenAll(_acceptLoop, _receiveLoop).ConfigureAwait(false);
        await Task.WhenAll(_links.Values.Select(l => l.Pump)).ConfigureAwait(false);
        _datagrams.Writer.TryComplete();
        _accepted.Writer.TryComplete();
        while (_accepted.Reader.TryRead(out var pending))
        {
            await pending.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var connection in _connections.Keys)
        {
            connection.Abort("the peer transport stopped");
        }

        await Task.WhenAll(_datagramReaders.Keys).ConfigureAwait(false);

        _tls?.Dispose();
        _stopping.Dispose();
        Log.PeerApiStopped(_logger, Name, LocalEndPoint);
    }

    private TimeSpan HandshakeTimeout => _idleTimeout < MaxHandshakeTime ? _idleTimeout : MaxHandshakeTime;

    private static (Socket Listener, Socket? Udp) BindSockets(IPEndPoint requested, bool bindUdp, ILogger logger)
    {
        for (var attempt = 1; ; attempt++)
        {
            var listener = CreateSocket(requested, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                listener.Bind(requested);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                listener.Dispose();
                throw new AddressInUseException($"gossip.addr: {requested} is already in use (tcp)", e);
            }
            catch
            {
                listener.Dispose();
                throw;
            }

            var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
            if (!bindUdp)
            {
                try
                {
                    listener.Listen(512);
                    return (listener, null);
                }
                catch
                {
                    listener.Dispose();
                    throw;
                }
            }

            var udp = CreateSocket(requested, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                udp.Bind(new IPEndPoint(requested.Address, port));
                listener.Listen(512);
                return (listener, udp);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                listener.Dispose();
                udp.Dispose();
                if (requested.Port != 0 || attempt >= MaxBindAttempts)
                {
                    throw new AddressInUseException($"gossip.addr: udp port {port} on {requested.Address} is already in use", e);
                }

                Log.UdpPortTaken(logger, port, attempt);
            }
            catch
            {
                listener.Dispose();
                udp.Dispose();
                throw;
            }
        }
    }

    private static Socket CreateSocket(IPEndPoint endPoint, SocketType type, ProtocolType protocol)
    {
        var socket = new Socket(endPoint.AddressFamily, type, protocol);
        if (endPoint.AddressFamily == AddressFamily.InterNetworkV6 && endPoint.Address.Equals(IPAddress.IPv6Any))
        {
            socket.DualMode = true;
        }

        return socket;
    }

    private static IPEndPoint Normalize(IPEndPoint endPoint) =>
        endPoint.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(endPoint.Address.MapToIPv4(), endPoint.Port) : endPoint;

    private static async ValueTask<IPEndPoint> ResolveAsync(EndPoint destination, CancellationToken cancellationToken)
    {
        switch (destination)
        {
            case IPEndPoint ip:
                return Normalize(ip);
            case DnsEndPoint dns:
                var addresses = await Dns.GetHostAddressesAsync(dns.Host, cancellationToken).ConfigureAwait(false);
                if (addresses.Length == 0)
                {
                    throw new SocketException((int)SocketError.HostNotFound);
                }

                return new IPEndPoint(addresses[0], dns.Port);
            default:
                throw new ArgumentException($"unsupported endpoint type {destination.GetType().Name}", nameof(destination));
        }
    }

    private IPEndPoint ForThisSocket(IPEndPoint target) =>
        _udp!.AddressFamily == AddressFamily.InterNetworkV6 && target.AddressFamily == AddressFamily.InterNetwork && _udp.DualMode
            ? new IPEndPoint(target.Address.MapToIPv6(), target.Port)
            : target;

    /// <summary>
    /// Half-close: TLS close_notify (when TLS), then TCP FIN; reading stays open. Should OpenSSL refuse the close_notify
    /// (it did with "shutdown while in init" while the read loop processed a TLS 1.3 session ticket, before
    /// <see cref="SerializedTlsStream"/> kept the two directions apart), the FIN is sent anyway, so the peer still reads the
    /// end of the stream instead of waiting for it forever.
    /// </summary>
    private static Func<ValueTask> ShutdownWrites(Stream stream, Socket socket) => async () =>
    {
        if (stream is SerializedTlsStream ssl)
        {
            try
            {
                await ssl.ShutdownAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or IOException or InvalidOperationException)
            {
                // Fall through to the FIN: a peer's SslStream reads it as the end of the stream.
            }
        }

        socket.Shutdown(SocketShutdown.Send);
    };

    private StreamPeerConnection Track(StreamPeerConnection connection)
    {
        _connections.TryAdd(connection, 0);
        if (Volatile.Read(ref _disposed) != 0)
        {
            connection.Abort();
        }

        return connection;
    }

    private void Untrack(StreamPeerConnection connection) => _connections.TryRemove(connection, out _);

    private async Task AcceptLoopAsync()
    {
        var token = _stopping.Token;
        while (!token.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(token).ConfigureAwait(false);
            }
            catch (Exception e) when (token.IsCancellationRequested && e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            catch (Exception e) when (e is SocketException or IOException)
            {
                Log.AcceptFailed(_logger, e);
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(50), _timeProvider, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    return;
                }

                continue;
            }

            socket.NoDelay = true;
            _ = HandshakeAsync(socket, token);
        }
    }

    private async Task HandshakeAsync(Socket socket, CancellationToken stopping)
    {
        IPEndPoint remote;
        try
        {
            remote = Normalize((IPEndPoint)socket.RemoteEndPoint!);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The peer reset the connection before we looked at it.
            socket.Dispose();
            return;
        }

        Stream stream = new NetworkStream(socket, ownsSocket: true);
        X509Certificate2? remoteCertificate = null;
        if (_tls is not null)
        {
            var ssl = SerializedTlsStream.Create(stream);
            stream = ssl;
            var check = new CertificateCheck();
            try
            {
                using var handshake = CancellationTokenSource.CreateLinkedTokenSource(stopping);
                handshake.CancelAfter(HandshakeTimeout);
                await ssl.AuthenticateAsServerAsync(_tls.CreateServerOptions([StreamProtocol, DatagramProtocol], check), handshake.Token).ConfigureAwait(false);
                remoteCertificate = ssl.Ssl.RemoteCertificate as X509Certificate2;
            }
            catch (Exception e)
            {
                await ssl.DisposeAsync().ConfigureAwait(false);
                if (!stopping.IsCancellationRequested)
                {
                    Interlocked.Increment(ref _failedHandshakes);
                    if (check.Rejection is null && e is IOException)
                    {
                        // The peer closed or reset the connection mid-handshake (it crashed or gave up): nothing was
                        // refused, and a node whose peers restart would otherwise log a warning with a stack each time.
                        Log.TlsHandshakeAbandoned(_logger, remote, e.Message);
                    }
                    else
                    {
                        // This node's reason for refusing the peer's certificate says it all; the exception would only
                        // add "rejected by the provided RemoteCertificateValidationCallback" and a stack trace.
                        Log.TlsHandshakeFailed(_logger, remote, check.Rejection ?? e.Message, check.Rejection is null ? e : null);
                    }
                }

                return;
            }
        }

        var connection = Track(new StreamPeerConnection(stream, ShutdownWrites(stream, socket), remote, remoteCertificate, _idleTimeout, _timeProvider, _logger, Untrack));
        if (stream is SerializedTlsStream { Ssl.NegotiatedApplicationProtocol: var negotiated } && negotiated == DatagramProtocol)
        {
            var reading = ReadDatagramsAsync(connection, remote, stopping);
            _datagramReaders.TryAdd(reading, 0);
            _ = reading.ContinueWith(static (t, s) => ((ConcurrentDictionary<Task, byte>)s!).TryRemove(t, out _), _datagramReaders, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            return;
        }

        try
        {
            await _accepted.Writer.WriteAsync(connection, stopping).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
        {
            connection.Abort();
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var token = _stopping.Token;
        var buffer = GC.AllocateUninitializedArray<byte>(ushort.MaxValue + 1);
        var udp = _udp!;
        EndPoint any = udp.AddressFamily == AddressFamily.InterNetworkV6
            ? new IPEndPoint(IPAddress.IPv6Any, 0)
            : new IPEndPoint(IPAddress.Any, 0);
        while (!token.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await udp.ReceiveFromAsync(buffer, SocketFlags.None, any, token).ConfigureAwait(false);
            }
            catch (Exception e) when (token.IsCancellationRequested && e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                Log.DatagramReceiveFailed(_logger, e);
                continue;
            }

            var remote = Normalize((IPEndPoint)received.RemoteEndPoint);
            _datagrams.Writer.TryWrite(new PeerDatagram(remote, buffer.AsSpan(0, received.ReceivedBytes).ToArray()));
        }
    }

    private TlsDatagramLink CreateLink(IPEndPoint target) =>
        new(target, (t, ct) => ConnectCoreAsync(t, DatagramProtocol, ct), OnDatagramsLost, RetireLink, _idleTimeout, _timeProvider, _logger, _stoppingToken);

    private void OnDatagramsLost(TlsDatagramLink link, int count, string reason) => OnDatagramsLost(link.Target, count, reason);

    private void OnDatagramsLost(IPEndPoint target, int count, string reason)
    {
        if (count > 0)
        {
            Interlocked.Add(ref _lostDatagrams, count);
            Log.DatagramsLost(_logger, count, target, reason);
        }
    }

    private void RetireLink(TlsDatagramLink link) => _links.TryRemove(new KeyValuePair<IPEndPoint, TlsDatagramLink>(link.Target, link));

    /// <summary>
    /// Reads datagram frames off an accepted TLS datagram connection until it ends. Anything but well-formed datagram frames
    /// closes this connection (counted and logged) and nothing else. The sender is reported as (the connection's
    /// address, the gossip port it names), where replies reach its listener.
    /// </summary>
    private async Task ReadDatagramsAsync(StreamPeerConnection connection, IPEndPoint remote, CancellationToken stopping)
    {
        await Task.Yield();
        var input = connection.Transport.Input;
        try
        {
            while (await FrameCodec.ReadFrameAsync(input, FrameCodec.MaxDatagramFrameSize, stopping).ConfigureAwait(false) is { } frame)
            {
                using (frame)
                {
                    var datagram = FrameCodec.ReadDatagram(frame, out var senderPort);
                    _datagrams.Writer.TryWrite(new PeerDatagram(new IPEndPoint(remote.Address, senderPort), datagram.ToArray()));
                }
            }

            await connection.DisposeAsync().ConfigureAwait(false);
        }
        catch (PeerProtocolException e)
        {
            Interlocked.Increment(ref _rejectedDatagramConnections);
            Log.DatagramConnectionRejected(_logger, remote, e.Message);
            connection.Abort("datagram framing violated");
        }
#pragma warning disable CA1031 // The connection broke or the transport stopped: datagrams in flight are lost, as on UDP.
        catch (Exception)
#pragma warning restore CA1031
        {
            connection.Abort("datagram connection ended");
        }
    }
}
