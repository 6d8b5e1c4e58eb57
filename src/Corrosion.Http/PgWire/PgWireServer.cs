using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Corrosion.Http.PgWire;

/// <summary>
/// One PostgreSQL wire protocol v3 listener (<c>api.pg</c>): binds when the host starts (options are validated
/// then; an address in use fails the start), accepts connections until the host stops, and serves each with a
/// <see cref="PgConnection"/> over <see cref="ICorrosionNode"/>. A bad frame closes that connection only.
/// </summary>
public sealed class PgWireServer : BackgroundService
{
    private readonly PgWireOptions _options;
    private readonly ICorrosionNode _node;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<int, Task> _connections = new();
    private readonly TaskCompletionSource<IPEndPoint> _bound = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Socket? _listener;
    private PgWireTls? _tls;
    private int _nextConnectionId;

    /// <summary>Creates the listener; nothing is bound until <see cref="StartAsync"/>.</summary>
    /// <param name="options">The listener's <c>api.pg</c> settings (address, TLS).</param>
    /// <param name="node">The node the connections' queries and statements run on.</param>
    /// <param name="loggerFactory">Creates the listener's logger.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public PgWireServer(PgWireOptions options, ICorrosionNode node, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _options = options;
        _node = node;
        _logger = loggerFactory.CreateLogger<PgWireServer>();
    }

    /// <summary>The options this listener was created with.</summary>
    public PgWireOptions Options => _options;

    /// <summary>The bound address (the real port when <see cref="PgWireOptions.Address"/> asked for port 0), once started.</summary>
    public IPEndPoint? LocalEndPoint { get; private set; }

    /// <summary>Completes with <see cref="LocalEndPoint"/> once the listener is bound.</summary>
    public Task<IPEndPoint> BoundAsync => _bound.Task;

    /// <summary>
    /// Validates the options, loads the TLS certificate if configured, binds <see cref="PgWireOptions.Address"/> and
    /// starts accepting connections. A failure also faults <see cref="BoundAsync"/>.
    /// </summary>
    /// <exception cref="OptionsValidationException">The options are invalid (every failure listed).</exception>
    /// <exception cref="SocketException">The address could not be bound (for example it is already in use).</exception>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        var validation = new PgWireOptionsValidator().Validate(null, _options);
        if (validation.Failed)
        {
            var failure = new OptionsValidationException(nameof(PgWireOptions), typeof(PgWireOptions), validation.Failures);
            _bound.TrySetException(failure);
            throw failure;
        }

        var endpoint = IPEndPoint.Parse(_options.Address);
        try
        {
            _tls = _options.Tls is { } tls ? PgWireTls.Load(tls) : null;
            var listener = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                if (endpoint.AddressFamily == AddressFamily.InterNetworkV6 && endpoint.Address.Equals(IPAddress.IPv6Any))
                {
                    listener.DualMode = true;
                }

                listener.Bind(endpoint);
                listener.Listen(512);
            }
            catch
            {
                listener.Dispose();
                throw;
            }

            _listener = listener;
            LocalEndPoint = (IPEndPoint)listener.LocalEndPoint!;
        }
        catch (Exception ex)
        {
            _bound.TrySetException(ex);
            throw;
        }

        Log.PgServerStarting(_logger, LocalEndPoint);
        _bound.TrySetResult(LocalEndPoint);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Accepts connections until the host stops, serving each on its own task.</summary>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var listener = _listener!;
        while (!stoppingToken.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (ObjectDisposedException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (SocketException ex)
            {
                Log.PgAcceptFailed(_logger, LocalEndPoint!, ex);
                continue;
            }

            var id = Interlocked.Increment(ref _nextConnectionId);
            _connections[id] = ServeAsync(id, client, stoppingToken);
        }
    }

    private async Task ServeAsync(int id, Socket client, CancellationToken stoppingToken)
    {
        await Task.Yield();
        try
        {
            client.NoDelay = true;
            Log.PgConnectionOpened(_logger, id, client.RemoteEndPoint);
            var stream = new NetworkStream(client, ownsSocket: true);
            await using (stream.ConfigureAwait(false))
            {
                var connection = new PgConnection(id, _node, _options, _tls, _logger);
                await connection.RunAsync(stream, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping.
        }
        catch (Exception ex) when (ex is IOException or SocketException)
        {
            // The client went away mid-message.
        }
        catch (Exception ex)
        {
            Log.PgConnectionFailed(_logger, id, ex);
        }
        finally
        {
            client.Dispose();
            _connections.TryRemove(id, out _);
            Log.PgConnectionClosed(_logger, id);
        }
    }

    /// <summary>
    /// Stops accepting, closes the listener and waits for the open connections, which are told to close, to end.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired while connections were still open.</exception>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await base.StopAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _listener?.Dispose();
            await Task.WhenAll(_connections.Values).WaitAsync(cancellationToken).ConfigureAwait(false);
            if (LocalEndPoint is not null)
            {
                Log.PgServerStopped(_logger, LocalEndPoint);
            }
        }
    }

    /// <summary>Closes the listener and releases the TLS certificate.</summary>
    public override void Dispose()
    {
        _listener?.Dispose();
        _tls?.Dispose();
        base.Dispose();
    }
}
