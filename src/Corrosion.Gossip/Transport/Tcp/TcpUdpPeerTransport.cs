using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Corrosion.Gossip.Transport.Tcp;

/// <summary>
/// The peer transport where QUIC is unavailable: TCP streams (plaintext or TLS through <see cref="SslStream"/>) and UDP
/// datagrams (HMAC-authenticated when TLS is on), both on the port of <c>gossip.addr</c>.
/// </summary>
public sealed class TcpUdpPeerTransport : IPeerTransport
{
    /// <summary>The name used in logs.</summary>
    public const string TransportName = "tcp+udp";

    private const int MaxBindAttempts = 16;
    private static readonly TimeSpan MaxHandshakeTime = TimeSpan.FromSeconds(10);

    private readonly Socket _listener;
    private readonly Socket _udp;
    private readonly PeerTlsContext? _tls;
    private readonly DatagramAuthenticator? _authenticator;
    private readonly TimeSpan _idleTimeout;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Channel<PeerDatagram> _datagrams;
    private readonly Channel<IPeerConnection> _accepted;
    private readonly ConcurrentDictionary<StreamPeerConnection, byte> _connections = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _acceptLoop;
    private readonly Task _receiveLoop;
    private long _unauthenticatedDatagrams;
    private long _overflowedDatagrams;
    private long _failedHandshakes;
    private int _disposed;

    private TcpUdpPeerTransport(Socket listener, Socket udp, GossipTransportOptions options, PeerTlsContext? tls, TimeProvider timeProvider, ILogger logger)
    {
        _listener = listener;
        _udp = udp;
        _tls = tls;
        _timeProvider = timeProvider;
        _logger = logger;
        _idleTimeout = options.IdleTimeout;
        _authenticator = tls is null ? null : new DatagramAuthenticator(tls.DatagramKey, timeProvider);
        MaxDatagramSize = options.EffectiveMtu - (_authenticator is null ? 0 : DatagramAuthenticator.Overhead);
        LocalEndPoint = Normalize((IPEndPoint)listener.LocalEndPoint!);
        _datagrams = Channel.CreateBounded<PeerDatagram>(
            new BoundedChannelOptions(4096) { FullMode = BoundedChannelFullMode.DropOldest, SingleWriter = true },
            _ => Interlocked.Increment(ref _overflowedDatagrams));
        _accepted = Channel.CreateBounded<IPeerConnection>(new BoundedChannelOptions(256) { FullMode = BoundedChannelFullMode.Wait });
        _acceptLoop = Task.Run(AcceptLoopAsync);
        _receiveLoop = Task.Run(ReceiveLoopAsync);
    }

    public string Name => TransportName;

    public EndPoint LocalEndPoint { get; }

    public int MaxDatagramSize { get; }

    /// <summary>True when streams are TLS and datagrams are authenticated.</summary>
    public bool IsSecure => _tls is not null;

    /// <summary>Datagrams dropped because TLS is on and their MAC or timestamp did not check out.</summary>
    public long UnauthenticatedDatagramsDropped => Interlocked.Read(ref _unauthenticatedDatagrams);

    /// <summary>Datagrams dropped because nobody read them fast enough (the oldest go first).</summary>
    public long OverflowedDatagramsDropped => Interlocked.Read(ref _overflowedDatagrams);

    /// <summary>Accepted TCP connections whose TLS handshake failed (and were closed).</summary>
    public long FailedHandshakes => Interlocked.Read(ref _failedHandshakes);

    /// <summary>
    /// Binds TCP and UDP on <see cref="GossipTransportOptions.Addr"/>. With port 0, TCP picks a port and UDP binds the same
    /// number; when that UDP port is taken, both are retried with a new OS-assigned port.
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
            var (listener, udp) = BindSockets(requested, logger);
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

        var target = ForThisSocket(await ResolveAsync(destination, cancellationToken).ConfigureAwait(false));
        if (_authenticator is null)
        {
            await _udp.SendToAsync(payload, SocketFlags.None, target, cancellationToken).ConfigureAwait(false);
            return;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(payload.Length + DatagramAuthenticator.Overhead);
        try
        {
            var length = _authenticator.Seal(payload.Span, buffer);
            await _udp.SendToAsync(buffer.AsMemory(0, length), SocketFlags.None, target, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public IAsyncEnumerable<PeerDatagram> ReceiveDatagramsAsync(CancellationToken cancellationToken = default) =>
        _datagrams.Reader.ReadAllAsync(cancellationToken);

    public async ValueTask<IPeerConnection> ConnectAsync(EndPoint destination, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var target = await ResolveAsync(destination, cancellationToken).ConfigureAwait(false);
        var socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream stream;
        X509Certificate2? remoteCertificate = null;
        try
        {
            await socket.ConnectAsync(target, cancellationToken).ConfigureAwait(false);
            stream = new NetworkStream(socket, ownsSocket: true);
            if (_tls is not null)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = ssl;
                using var handshake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
                handshake.CancelAfter(HandshakeTimeout);
                await ssl.AuthenticateAsClientAsync(_tls.CreateClientOptions(target), handshake.Token).ConfigureAwait(false);
                remoteCertificate = ssl.RemoteCertificate as X509Certificate2;
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
        _udp.Dispose();
        await Task.WhenAll(_acceptLoop, _receiveLoop).ConfigureAwait(false);
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

        _tls?.Dispose();
        _stopping.Dispose();
        Log.PeerApiStopped(_logger, Name, LocalEndPoint);
    }

    private TimeSpan HandshakeTimeout => _idleTimeout < MaxHandshakeTime ? _idleTimeout : MaxHandshakeTime;

    private static (Socket Listener, Socket Udp) BindSockets(IPEndPoint requested, ILogger logger)
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
        _udp.AddressFamily == AddressFamily.InterNetworkV6 && target.AddressFamily == AddressFamily.InterNetwork && _udp.DualMode
            ? new IPEndPoint(target.Address.MapToIPv6(), target.Port)
            : target;

    /// <summary>Half-close: TLS close_notify (when TLS), then TCP FIN; reading stays open.</summary>
    private static Func<ValueTask> ShutdownWrites(Stream stream, Socket socket) => async () =>
    {
        if (stream is SslStream ssl)
        {
            await ssl.ShutdownAsync().ConfigureAwait(false);
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
            var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
            stream = ssl;
            try
            {
                using var handshake = CancellationTokenSource.CreateLinkedTokenSource(stopping);
                handshake.CancelAfter(HandshakeTimeout);
                await ssl.AuthenticateAsServerAsync(_tls.CreateServerOptions(), handshake.Token).ConfigureAwait(false);
                remoteCertificate = ssl.RemoteCertificate as X509Certificate2;
            }
            catch (Exception e)
            {
                await ssl.DisposeAsync().ConfigureAwait(false);
                if (!stopping.IsCancellationRequested)
                {
                    Interlocked.Increment(ref _failedHandshakes);
                    Log.TlsHandshakeFailed(_logger, remote, e);
                }

                return;
            }
        }

        var connection = Track(new StreamPeerConnection(stream, ShutdownWrites(stream, socket), remote, remoteCertificate, _idleTimeout, _timeProvider, _logger, Untrack));
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
        EndPoint any = _udp.AddressFamily == AddressFamily.InterNetworkV6
            ? new IPEndPoint(IPAddress.IPv6Any, 0)
            : new IPEndPoint(IPAddress.Any, 0);
        while (!token.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await _udp.ReceiveFromAsync(buffer, SocketFlags.None, any, token).ConfigureAwait(false);
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
            var offset = 0;
            var length = received.ReceivedBytes;
            if (_authenticator is not null
                && !_authenticator.TryOpen(buffer.AsSpan(0, received.ReceivedBytes), out offset, out length, out var reason))
            {
                Interlocked.Increment(ref _unauthenticatedDatagrams);
                Log.DatagramDropped(_logger, remote, reason);
                continue;
            }

            _datagrams.Writer.TryWrite(new PeerDatagram(remote, buffer.AsSpan(offset, length).ToArray()));
        }
    }
}
