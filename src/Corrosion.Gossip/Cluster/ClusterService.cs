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
    private IPeerTransport? _transport;
    private ClusterNode? _cluster;

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

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _transport = await new PeerTransportFactory(_loggerFactory, _time).StartAsync(_options.Transport, cancellationToken).ConfigureAwait(false);
        var bootstrap = await BootstrapResolver.ResolveAsync(
            _options.Bootstrap, (entry, error) => Log.BootstrapUnresolved(_logger, entry, error), cancellationToken).ConfigureAwait(false);
        foreach (var address in bootstrap)
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
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_cluster is not null)
        {
            await _cluster.StopAsync(cancellationToken).ConfigureAwait(false);
        }

        await DisposeAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
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
