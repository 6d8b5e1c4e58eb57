using Corrosion.Gossip.Membership;
using Corrosion.Gossip.Transport;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Corrosion.Gossip.Cluster;

/// <summary>
/// The agent's cluster layer as a hosted service: binds the peer transport (QUIC or TCP+UDP), resolves the
/// bootstrap list, and runs a <see cref="ClusterNode"/> with members persisted in the database.
/// </summary>
public sealed partial class ClusterService : IHostedService, IAsyncDisposable
{
    private readonly ICorrosionNode _node;
    private readonly GossipOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private IPeerTransport? _transport;
    private ClusterNode? _cluster;
    private Task _resolving = Task.CompletedTask;

    /// <summary>Creates the service; nothing is bound until <see cref="StartAsync"/>. Usually created by dependency injection.</summary>
    /// <param name="node">The local node whose changes are gossiped and synced.</param>
    /// <param name="options">The <c>[gossip]</c> settings.</param>
    /// <param name="loggerFactory">Creates the loggers of the service and of the cluster layer.</param>
    /// <param name="time">The clock for membership, broadcast and sync timers.</param>
    public ClusterService(ICorrosionNode node, IOptions<GossipOptions> options, ILoggerFactory loggerFactory, TimeProvider time)
    {
        _node = node;
        _options = options.Value;
        _loggerFactory = loggerFactory;
        _time = time;
        _logger = loggerFactory.CreateLogger<ClusterService>();
    }

    /// <summary>The current membership (empty before start).</summary>
    public MembershipSnapshot Members => _cluster?.Members ?? MembershipSnapshot.Empty;

    /// <summary>The bound peer address (null before start).</summary>
    public System.Net.EndPoint? LocalEndPoint => _transport?.LocalEndPoint;

    /// <summary>
    /// Binds the peer transport, then starts membership, broadcast and sync, joining through the literal
    /// <c>ip:port</c> bootstrap entries at once; names are resolved in the background and joined through when they resolve.
    /// </summary>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The transport or SWIM options are invalid.</exception>
    /// <exception cref="AddressInUseException">The port of <c>gossip.addr</c> is taken.</exception>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _transport = await new PeerTransportFactory(_loggerFactory, _time).StartAsync(_options.Transport, cancellationToken).ConfigureAwait(false);
        // Literal addresses are joined through from the start; names are resolved in the background, so a slow or
        // unreachable DNS server does not hold up the agent (their addresses become join targets when they come).
        var literal = _options.Bootstrap.Where(IsLiteral).ToList();
        var named = _options.Bootstrap.Where(e => !IsLiteral(e)).ToList();
        foreach (var address in await ResolveAsync(literal, cancellationToken).ConfigureAwait(false))
        {
            _options.Swim.Bootstrap.Add(address);
        }

        if (_options.Swim.AdvertisedAddress is null && _options.Transport.ExternalAddr is { } external && System.Net.IPEndPoint.TryParse(external, out var advertised))
        {
            _options.Swim.AdvertisedAddress = advertised;
        }

        var store = _node is CorrosionNode concrete ? new NodeMemberStore(concrete) : null;
        _cluster = new ClusterNode(_node, _transport, _options, _time, new Random(), _loggerFactory, store);
        await _cluster.StartAsync(cancellationToken).ConfigureAwait(false);
        if (named.Count > 0)
        {
            var cluster = _cluster;
            _resolving = Task.Run(() => JoinThroughAsync(cluster, named, _stopping.Token), CancellationToken.None);
        }
    }

    private async Task JoinThroughAsync(ClusterNode cluster, List<string> named, CancellationToken stopping)
    {
        try
        {
            cluster.AddJoinTargets(await ResolveAsync(named, stopping).ConfigureAwait(false));
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stopping.IsCancellationRequested)
        {
            Log.BootstrapUnresolved(_logger, string.Join(", ", named), ex.Message);
        }
    }

    private static bool IsLiteral(string entry) =>
        !entry.Contains('@', StringComparison.Ordinal) && System.Net.IPEndPoint.TryParse(entry.Trim(), out var address) && address.Port != 0;

    private Task<IReadOnlyList<System.Net.IPEndPoint>> ResolveAsync(IEnumerable<string> entries, CancellationToken cancellationToken) =>
        BootstrapResolver.ResolveAsync(entries, (entry, error) => Log.BootstrapUnresolved(_logger, entry, error), cancellationToken);

    /// <summary>
    /// Leaves the cluster gracefully (bounded by <see cref="SwimOptions.LeaveTimeout"/>), stops broadcast and sync, and
    /// releases the transport. <paramref name="cancellationToken"/> bounds the wait for the loops to end; it does not
    /// make the stop fail.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _resolving.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped before the names resolved.
        }

        if (_cluster is not null)
        {
            await _cluster.StopAsync(cancellationToken).ConfigureAwait(false);
        }

        await DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Stops the cluster layer if it still runs and releases the transport. Safe to call more than once; <see cref="StopAsync"/> ends with it.</summary>
    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync().ConfigureAwait(false);
            _cluster = null;
        }

        if (_transport is not null)
        {
            await _transport.DisposeAsync().ConfigureAwait(false);
            _transport = null;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2402, EventName = "BootstrapUnresolved", Level = LogLevel.Warning, Message = "gossip.bootstrap entry '{Entry}' does not resolve: {Reason}")]
        public static partial void BootstrapUnresolved(ILogger logger, string entry, string reason);
    }
}
