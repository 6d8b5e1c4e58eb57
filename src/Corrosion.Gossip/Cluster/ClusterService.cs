using System.Diagnostics;
using Corrosion.Gossip.Broadcast;
using Corrosion.Gossip.Membership;
using Corrosion.Gossip.Sync;
using Corrosion.Gossip.Transport;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Corrosion.Gossip.Cluster;

/// <summary>
/// The node's part in the cluster: starts the peer transport and SWIM membership, broadcasts local commits,
/// serves peers' streams, and runs anti-entropy sync with a random live member on a backoff.
/// </summary>
public sealed partial class ClusterService : BackgroundService
{
    private readonly ICorrosionNode _node;
    private readonly GossipOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Random _random = new();
    private IPeerTransport? _transport;
    private SwimMembership? _membership;
    private ChangeBroadcaster? _broadcaster;

    public ClusterService(ICorrosionNode node, IOptions<GossipOptions> options, ILoggerFactory loggerFactory, TimeProvider time)
    {
        _node = node;
        _options = options.Value;
        _loggerFactory = loggerFactory;
        _time = time;
        _logger = loggerFactory.CreateLogger<ClusterService>();
    }

    /// <summary>The current membership (empty before start).</summary>
    public MembershipSnapshot Members => _membership?.Current ?? MembershipSnapshot.Empty;

    /// <summary>The bound peer address (null before start).</summary>
    public System.Net.EndPoint? LocalEndPoint => _transport?.LocalEndPoint;

    public override async Task StartAsync(CancellationToken cancellationToken)
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
        _membership = new SwimMembership(_transport, _options.Swim, _node.ActorId, _time, _random, _loggerFactory.CreateLogger<SwimMembership>(), store);
        _broadcaster = new ChangeBroadcaster(_node, _transport, LivePeers, _options.Broadcast, _random, _loggerFactory.CreateLogger<ChangeBroadcaster>());
        await _membership.StartAsync(cancellationToken).ConfigureAwait(false);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var dispatcher = new PeerStreamDispatcher(_transport!, new SyncSession(_node), _broadcaster!, _loggerFactory.CreateLogger<PeerStreamDispatcher>());
        await Task.WhenAll(
            _broadcaster!.RunAsync(stoppingToken),
            dispatcher.RunAsync(stoppingToken),
            SyncLoopAsync(stoppingToken)).ConfigureAwait(false);
    }

    private IReadOnlyList<System.Net.EndPoint> LivePeers() =>
        [.. Members.Members.Where(m => m.Status == MemberStatus.Alive).Select(m => (System.Net.EndPoint)m.Member.Address)];

    private async Task SyncLoopAsync(CancellationToken stoppingToken)
    {
        var backoff = _options.MinSyncBackoff;
        var session = new SyncSession(_node);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var jitter = TimeSpan.FromMilliseconds(_random.Next(0, (int)Math.Max(1, backoff.TotalMilliseconds / 4)));
                await Task.Delay(backoff + jitter, _time, stoppingToken).ConfigureAwait(false);
                var candidates = Members.Members.Where(m => m.Status == MemberStatus.Alive).ToArray();
                if (candidates.Length == 0)
                {
                    backoff = _options.MinSyncBackoff;
                    continue;
                }

                var peer = candidates[_random.Next(candidates.Length)];
                var started = Stopwatch.GetTimestamp();
                await using var connection = await _transport!.ConnectAsync(peer.Member.Address, stoppingToken).ConfigureAwait(false);
                var result = await session.RunAsClientAsync(connection, stoppingToken).ConfigureAwait(false);
                if (result.ChangesReceived > 0 || result.ChangesetsReceived > 0)
                {
                    var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
                    Log.Synced(_logger, result.ChangesReceived, peer.Id.ToString(), seconds, result.ChangesReceived / Math.Max(seconds, 1e-9));
                    backoff = _options.MinSyncBackoff;
                }
                else
                {
                    backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.MaxSyncBackoff.Ticks));
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is IOException or PeerProtocolException or CorrosionException or System.Net.Sockets.SocketException or InvalidOperationException)
            {
                Log.SyncFailed(_logger, ex.Message);
                backoff = _options.MinSyncBackoff;
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (_membership is not null)
        {
            await _membership.StopAsync(cancellationToken).ConfigureAwait(false);
            await _membership.DisposeAsync().ConfigureAwait(false);
        }

        if (_broadcaster is not null)
        {
            await _broadcaster.DisposeAsync().ConfigureAwait(false);
        }

        if (_transport is not null)
        {
            await _transport.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2400, EventName = "Synced", Level = LogLevel.Information, Message = "synced {Changes} changes w/ {Actor} in {Seconds}s @ {Rate} changes/s")]
        public static partial void Synced(ILogger logger, int changes, string actor, double seconds, double rate);

        [LoggerMessage(EventId = 2401, EventName = "SyncFailed", Level = LogLevel.Debug, Message = "sync round failed: {Reason}")]
        public static partial void SyncFailed(ILogger logger, string reason);

        [LoggerMessage(EventId = 2402, EventName = "BootstrapUnresolved", Level = LogLevel.Warning, Message = "gossip.bootstrap entry '{Entry}' does not resolve: {Reason}")]
        public static partial void BootstrapUnresolved(ILogger logger, string entry, string reason);
    }
}
