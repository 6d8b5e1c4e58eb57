using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Quic;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Corrosion.Gossip.Transport.Quic;

/// <summary>
/// The peer transport over QUIC (System.Net.Quic, needs libmsquic): one UDP port, ALPN <c>corrosion</c>, one cached
/// connection per peer. Streams are bidirectional QUIC streams. System.Net.Quic does not expose QUIC datagrams, so each
/// datagram travels as one short unidirectional stream carrying <c>[sender gossip port:u16 BE][payload]</c>; the receiver
/// reports the sender as (connection's remote address, that port) so replies reach the sender's listener.
/// Plaintext (<c>gossip.plaintext = true</c>) still runs TLS 1.3 as QUIC requires, with a throwaway self-signed
/// certificate that peers do not verify: encrypted but unauthenticated, like the original.
/// Use only where <see cref="IsSupported"/> is true.
/// </summary>
[SupportedOSPlatform("linux")]
[SupportedOSPlatform("windows")]
[SupportedOSPlatform("macos")]
internal sealed class QuicPeerTransport : IPeerTransport
{
    /// <summary>The name used in logs.</summary>
    public const string TransportName = "quic";

    private const long StreamErrorCode = 0x100;
    private const long CloseErrorCode = 0x0;
    private const int DatagramHeaderSize = 2;
    private static readonly SslApplicationProtocol Alpn = new("corrosion");

    private readonly QuicListener _listener;
    private readonly PeerTlsContext? _tls;
    private readonly X509Certificate2? _plaintextCertificate;
    private readonly GossipTransportOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Channel<PeerDatagram> _datagrams =
        Channel.CreateBounded<PeerDatagram>(new BoundedChannelOptions(4096) { FullMode = BoundedChannelFullMode.DropOldest });

    private readonly Channel<IPeerConnection> _accepted =
        Channel.CreateBounded<IPeerConnection>(new BoundedChannelOptions(256) { FullMode = BoundedChannelFullMode.Wait });

    private readonly ConcurrentDictionary<IPEndPoint, Lazy<Task<QuicConnection>>> _outbound = new();
    private readonly ConcurrentDictionary<QuicConnection, byte> _connections = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _acceptLoop;
    private int _disposed;

    private QuicPeerTransport(QuicListener listener, GossipTransportOptions options, PeerTlsContext? tls, X509Certificate2? plaintextCertificate, TimeProvider timeProvider, ILogger logger)
    {
        _listener = listener;
        _options = options;
        _tls = tls;
        _plaintextCertificate = plaintextCertificate;
        _timeProvider = timeProvider;
        _logger = logger;
        LocalEndPoint = listener.LocalEndPoint;
        MaxDatagramSize = options.EffectiveMtu - DatagramHeaderSize;
        _acceptLoop = Task.Run(AcceptConnectionsAsync);
    }

    /// <summary>Whether this platform has a working QUIC implementation (libmsquic).</summary>
    public static bool IsSupported => QuicListener.IsSupported && QuicConnection.IsSupported;

    public string Name => TransportName;

    public EndPoint LocalEndPoint { get; }

    public int MaxDatagramSize { get; }

    /// <summary>Binds a QUIC listener on <see cref="GossipTransportOptions.Addr"/>.</summary>
    public static async ValueTask<QuicPeerTransport> BindAsync(GossipTransportOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!IsSupported)
        {
            throw new PlatformNotSupportedException("QUIC is not supported on this platform (libmsquic not found)");
        }

        if (!GossipTransportOptionsValidator.TryParseEndPoint(options.Addr, out var endPoint))
        {
            throw new ArgumentException($"gossip.addr: '{options.Addr}' is not ip:port", nameof(options));
        }

        var logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<QuicPeerTransport>();
        PeerTlsContext? tls = null;
        X509Certificate2? plaintext = null;
        if (!options.Plaintext && options.Tls is not null)
        {
            tls = PeerTlsContext.Load(options.Tls);
        }
        else if (options.Plaintext)
        {
            plaintext = CreateThrowawayCertificate();
        }
        else
        {
            throw new InvalidOperationException("gossip: neither plaintext nor tls is configured; set gossip.plaintext = true or configure [gossip.tls]");
        }

        var serverOptions = CreateServerConnectionOptions(options, tls, plaintext);
        try
        {
            var listener = await QuicListener.ListenAsync(
                new QuicListenerOptions
                {
                    ListenEndPoint = endPoint,
                    ApplicationProtocols = [Alpn],
                    ListenBacklog = 512,
                    ConnectionOptionsCallback = (_, _, _) => ValueTask.FromResult(serverOptions),
                },
                cancellationToken).ConfigureAwait(false);
            return new QuicPeerTransport(listener, options, tls, plaintext, timeProvider ?? TimeProvider.System, logger);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            tls?.Dispose();
            plaintext?.Dispose();
            throw new AddressInUseException($"gossip.addr: {endPoint} is already in use (udp)", e);
        }
        catch
        {
            tls?.Dispose();
            plaintext?.Dispose();
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

        var buffer = ArrayPool<byte>.Shared.Rent(payload.Length + DatagramHeaderSize);
        try
        {
            BinaryPrimitives.WriteUInt16BigEndian(buffer, (ushort)((IPEndPoint)LocalEndPoint).Port);
            payload.Span.CopyTo(buffer.AsSpan(DatagramHeaderSize));
            var (stream, _) = await OpenStreamAsync(ToIp(destination), QuicStreamType.Unidirectional, cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                await stream.WriteAsync(buffer.AsMemory(0, payload.Length + DatagramHeaderSize), completeWrites: true, cancellationToken).ConfigureAwait(false);
            }
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
        var target = ToIp(destination);
        var (stream, connection) = await OpenStreamAsync(target, QuicStreamType.Bidirectional, cancellationToken).ConfigureAwait(false);
        return new StreamPeerConnection(stream, CompleteWrites(stream), target, _tls is null ? null : connection.RemoteCertificate as X509Certificate2, _options.IdleTimeout, _timeProvider, _logger);
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
        await _listener.DisposeAsync().ConfigureAwait(false);
        await _acceptLoop.ConfigureAwait(false);
        foreach (var connection in _connections.Keys)
        {
            try
            {
                await connection.CloseAsync(CloseErrorCode).ConfigureAwait(false);
            }
            catch (Exception e) when (e is QuicException or ObjectDisposedException or OperationCanceledException)
            {
                // Already gone.
            }

            await connection.DisposeAsync().ConfigureAwait(false);
        }

        _datagrams.Writer.TryComplete();
        _accepted.Writer.TryComplete();
        _tls?.Dispose();
        _plaintextCertificate?.Dispose();
        _stopping.Dispose();
        Log.PeerApiStopped(_logger, Name, LocalEndPoint);
    }

    private static QuicServerConnectionOptions CreateServerConnectionOptions(GossipTransportOptions options, PeerTlsContext? tls, X509Certificate2? plaintext)
    {
        var ssl = tls?.CreateServerOptions([Alpn]) ?? new SslServerAuthenticationOptions
        {
            ServerCertificate = plaintext,
            ApplicationProtocols = [Alpn],
            ClientCertificateRequired = false,
        };
        return new QuicServerConnectionOptions
        {
            DefaultStreamErrorCode = StreamErrorCode,
            DefaultCloseErrorCode = CloseErrorCode,
            IdleTimeout = options.IdleTimeout,
            MaxInboundBidirectionalStreams = 256,
            MaxInboundUnidirectionalStreams = 1024,
            ServerAuthenticationOptions = ssl,
        };
    }

    private QuicClientConnectionOptions CreateClientConnectionOptions(IPEndPoint target)
    {
        var ssl = _tls?.CreateClientOptions(target, [Alpn]) ?? new SslClientAuthenticationOptions
        {
            TargetHost = target.Address.ToString(),
            ApplicationProtocols = [Alpn],
#pragma warning disable CA5359 // Plaintext mode: QUIC needs TLS, but the operator chose no peer authentication.
            RemoteCertificateValidationCallback = static (_, _, _, _) => true,
#pragma warning restore CA5359
        };
        return new QuicClientConnectionOptions
        {
            RemoteEndPoint = target,
            DefaultStreamErrorCode = StreamErrorCode,
            DefaultCloseErrorCode = CloseErrorCode,
            IdleTimeout = _options.IdleTimeout,
            MaxInboundBidirectionalStreams = 256,
            MaxInboundUnidirectionalStreams = 1024,
            ClientAuthenticationOptions = ssl,
        };
    }

    private static X509Certificate2 CreateThrowawayCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=corrosion plaintext", key, HashAlgorithmName.SHA256);
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddDays(-1), now.AddYears(10));
    }

    private static Func<ValueTask> CompleteWrites(QuicStream stream) => () =>
    {
        stream.CompleteWrites();
        return ValueTask.CompletedTask;
    };

    private static IPEndPoint ToIp(EndPoint endPoint) => endPoint switch
    {
        IPEndPoint ip when ip.Address.IsIPv4MappedToIPv6 => new IPEndPoint(ip.Address.MapToIPv4(), ip.Port),
        IPEndPoint ip => ip,
        _ => throw new ArgumentException($"QUIC peers are addressed by IPEndPoint, got {endPoint.GetType().Name}", nameof(endPoint)),
    };

    private async ValueTask<(QuicStream Stream, QuicConnection Connection)> OpenStreamAsync(IPEndPoint target, QuicStreamType type, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var connection = await GetConnectionAsync(target, cancellationToken).ConfigureAwait(false);
            try
            {
                return (await connection.OpenOutboundStreamAsync(type, cancellationToken).ConfigureAwait(false), connection);
            }
            catch (QuicException) when (attempt == 0)
            {
                // The cached connection died (idle timeout, peer restart): forget it and dial again once.
                Forget(target, connection);
            }
        }
    }

    private async ValueTask<QuicConnection> GetConnectionAsync(IPEndPoint target, CancellationToken cancellationToken)
    {
        var lazy = _outbound.GetOrAdd(target, t => new Lazy<Task<QuicConnection>>(() => DialAsync(t)));
        try
        {
            return await lazy.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is QuicException or SocketException or AuthenticationException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            _outbound.TryRemove(KeyValuePair.Create(target, lazy));
            throw;
        }
    }

    private async Task<QuicConnection> DialAsync(IPEndPoint target)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        var connection = await QuicConnection.ConnectAsync(CreateClientConnectionOptions(target), timeout.Token).ConfigureAwait(false);
        _connections.TryAdd(connection, 0);
        _ = AcceptStreamsAsync(connection);
        return connection;
    }

    private void Forget(IPEndPoint target, QuicConnection connection)
    {
        if (_outbound.TryGetValue(target, out var lazy) && lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully && lazy.Value.Result == connection)
        {
            _outbound.TryRemove(KeyValuePair.Create(target, lazy));
        }
    }

    private async Task AcceptConnectionsAsync()
    {
        var token = _stopping.Token;
        while (!token.IsCancellationRequested)
        {
            QuicConnection connection;
            try
            {
                connection = await _listener.AcceptConnectionAsync(token).ConfigureAwait(false);
            }
            catch (Exception e) when (token.IsCancellationRequested && e is OperationCanceledException or QuicException or ObjectDisposedException)
            {
                return;
            }
            catch (Exception e) when (e is QuicException or AuthenticationException)
            {
                Log.TlsHandshakeFailed(_logger, null, e.Message, e);
                continue;
            }

            _connections.TryAdd(connection, 0);
            _ = AcceptStreamsAsync(connection);
        }
    }

    private async Task AcceptStreamsAsync(QuicConnection connection)
    {
        var token = _stopping.Token;
        var remote = connection.RemoteEndPoint;
        try
        {
            while (!token.IsCancellationRequested)
            {
                var stream = await connection.AcceptInboundStreamAsync(token).ConfigureAwait(false);
                if (stream.Type == QuicStreamType.Unidirectional)
                {
                    _ = ReadDatagramAsync(stream, remote, token);
                    continue;
                }

                var peer = new StreamPeerConnection(stream, CompleteWrites(stream), remote, _tls?.MutualTls == true ? connection.RemoteCertificate as X509Certificate2 : null, _options.IdleTimeout, _timeProvider, _logger);
                await _accepted.Writer.WriteAsync(peer, token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is QuicException or OperationCanceledException or ObjectDisposedException or ChannelClosedException)
        {
            Log.QuicConnectionEnded(_logger, remote, e is OperationCanceledException ? null : e);
        }
        finally
        {
            _connections.TryRemove(connection, out _);
            foreach (var (target, lazy) in _outbound)
            {
                if (lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully && lazy.Value.Result == connection)
                {
                    _outbound.TryRemove(KeyValuePair.Create(target, lazy));
                }
            }

            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task ReadDatagramAsync(QuicStream stream, IPEndPoint remote, CancellationToken token)
    {
        var limit = _options.EffectiveMtu;
        var buffer = ArrayPool<byte>.Shared.Rent(limit + 1);
        try
        {
            await using (stream.ConfigureAwait(false))
            {
                var length = 0;
                while (length <= limit)
                {
                    var read = await stream.ReadAsync(buffer.AsMemory(length, limit + 1 - length), token).ConfigureAwait(false);
                    if (read == 0)
                    {
                        break;
                    }

                    length += read;
                }

                if (length < DatagramHeaderSize || length > limit)
                {
                    Log.DatagramDropped(_logger, remote, $"datagram stream of {length} bytes outside 2..{limit}");
                    stream.Abort(QuicAbortDirection.Read, StreamErrorCode);
                    return;
                }

                var port = BinaryPrimitives.ReadUInt16BigEndian(buffer);
                _datagrams.Writer.TryWrite(new PeerDatagram(new IPEndPoint(remote.Address, port), buffer.AsSpan(DatagramHeaderSize, length - DatagramHeaderSize).ToArray()));
            }
        }
        catch (Exception e) when (e is QuicException or OperationCanceledException or ObjectDisposedException)
        {
            // The stream or the connection went away mid-datagram: a lost datagram.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
