using System.Diagnostics;
using Corrosion.Gossip.Broadcast;
using Corrosion.Gossip.Membership;
using Corrosion.Gossip.Metrics;
using Corrosion.Gossip.Sync;
using Corrosion.Gossip.Transport;
using Microsoft.Extensions.Logging;

namespace Corrosion.Gossip.Cluster;

/// <summary>
/// One node's part in the cluster over a given transport: SWIM membership, broadcast of local commits, serving
/// peers' streams, and anti-entropy sync with a random live member on a backoff. <see cref="ClusterService"/>
/// runs one in the agent; simulations run many over an in-memory network.
/// </summary>
internal sealed partial class ClusterNode : IAsyncDisposable
{
    private readonly ICorrosionNode _node;
    private readonly IPeerTransport _transport;
    private readonly IPeerTransport _ownerTransport;
    private readonly GossipOptions _options;
    private readonly TimeProvider _time;
    private readonly Random _random;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly SwimMembership _membership;
    private readonly ChangeBroadcaster _broadcaster;
    private readonly GossipMetrics? _metrics;
    private readonly ActivitySource? _tracing;
    private CancellationTokenSource? _stop;
    private Task? _loops;
    private (string Name, Task Task)[] _namedLoops = [];
    private long _syncChangesetsReceived;

    public ClusterNode(ICorrosionNode node, IPeerTransport transport, GossipOptions options, TimeProvider time, Random random, ILoggerFactory loggerFactory, IMemberStore? store = null)
    {
        _node = node;
        _ownerTransport = transport;

        // Metrics go to the engine's meter, so one listener sees the node and its cluster layer together.
        _metrics = node is CorrosionNode engine ? new GossipMetrics(engine.Metrics.Meter) : null;

        // Spans go to the engine's activity source for the same reason (and end with it).
        _tracing = (node as CorrosionNode)?.Tracing.Source;
        _transport = _metrics is null ? transport : new MeteredPeerTransport(transport, _metrics);
        transport = _transport;
        _options = options;
        _time = time;
        _random = random;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<ClusterNode>();
        _membership = new SwimMembership(transport, options.Swim, node.ActorId, time, random, loggerFactory.CreateLogger<SwimMembership>(), store);
        _broadcaster = new ChangeBroadcaster(
            node, transport, LivePeers, options.Broadcast, random, loggerFactory.CreateLogger<ChangeBroadcaster>(), time, options.Transport.IdleTimeout)
        {
            Tracing = _tracing,
        };
        if (_metrics is not null)
        {
            _membership.Metrics = _metrics;
            _metrics.Observe(_membership, _broadcaster, options.Swim);
        }
    }

    public MembershipSnapshot Members => _membership.Current;

    /// <summary>The transport this node was given (its owner disposes it).</summary>
    public IPeerTransport Transport => _ownerTransport;

    /// <summary>Broadcast frames this node sent (its own changes and forwards).</summary>
    public long BroadcastFramesSent => _broadcaster.FramesSent;

    /// <summary>Changesets this node received through sync sessions it started.</summary>
    public long SyncChangesetsReceived => Interlocked.Read(ref _syncChangesetsReceived);

    /// <summary>Adds addresses to join the cluster through (see <see cref="SwimMembership.AddJoinTargets"/>).</summary>
    public void AddJoinTargets(IReadOnlyList<System.Net.EndPoint> addresses) => _membership.AddJoinTargets(addresses);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // A node restored keeping its actor id waits for its first sync before writing (two of the longest pauses
        // between sync rounds at most): peers may hold versions of its actor it would otherwise write again. A node
        // with no bootstrap has no one to ask (a restore clears the member list), so it would only wait out the
        // timeout on every start: its counter still moves on at its first sync with a peer that finds it.
        if (_node is CorrosionNode engine && engine.OwnActorCatchUpPending)
        {
            if (_options.Bootstrap.Count > 0 || _options.Swim.Bootstrap.Count > 0)
            {
                engine.HoldWritesUntilOwnActorSynced(_options.MaxSyncBackoff * 2);
            }
            else
            {
                Log.WritesNotHeldWithoutBootstrap(_logger);
            }
        }

        await _membership.StartAsync(cancellationToken).ConfigureAwait(false);
        _stop = new CancellationTokenSource();
        // One session object serves both directions, so sessions it serves and sessions it starts share what they
        // are receiving (see IncomingVersions).
        var sync = new SyncSession(_node) { Metrics = _metrics, Tracing = _tracing, Logger = _loggerFactory.CreateLogger<SyncSession>() };
        var dispatcher = new PeerStreamDispatcher(_transport, sync, _broadcaster, _loggerFactory.CreateLogger<PeerStreamDispatcher>());
        _namedLoops = [("broadcast", _broadcaster.RunAsync(_stop.Token)), ("peer-stream", dispatcher.RunAsync(_stop.Token)), ("sync", SyncLoopAsync(sync, _stop.Token))];
        _loops = Task.WhenAll(_namedLoops.Select(l => l.Task));
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stop is not null)
        {
            await DrainBroadcastsAsync(cancellationToken).ConfigureAwait(false);
            await _stop.CancelAsync().ConfigureAwait(false);
        }

        await _membership.StopAsync(cancellationToken).ConfigureAwait(false);
        if (_loops is not null)
        {
            // As for membership: the token bounds the wait, it does not turn a stop into a failure. The loops end
            // on _stop; DisposeAsync still runs and releases what they hold.
            var finished = await Task.WhenAny(_loops, Task.Delay(Timeout.InfiniteTimeSpan, _time, cancellationToken)).ConfigureAwait(false);
            if (finished == _loops)
            {
                await _loops.ConfigureAwait(false);
            }
            else
            {
                // Names the loops that ran out of time. Chaos runs (docs/chaos.md) traced the cases seen so far to
                // broadcast senders stuck on a retired link, fixed in BroadcastLink.
                Log.LoopsStillRunningAtStopDeadline(_logger, string.Join(", ", _namedLoops.Where(l => !l.Task.IsCompleted).Select(l => l.Name)));
            }
        }
    }

    /// <summary>
    /// Sends what this node committed but has not broadcast yet, for at most <see cref="BroadcastDrainTimeout"/>,
    /// while membership still knows the peers: a version acknowledged just before the stop would otherwise reach
    /// peers only by sync, once this node is back.
    /// </summary>
    private async Task DrainBroadcastsAsync(CancellationToken cancellationToken)
    {
        using var drain = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        drain.CancelAfter(BroadcastDrainTimeout);
        bool drained;
        try
        {
            if (_node is CorrosionNode engine)
            {
                await engine.WaitForPublishedAsync(drain.Token).ConfigureAwait(false);
            }

            drained = await _broadcaster.DrainAsync(drain.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (drain.IsCancellationRequested)
        {
            drained = false;
        }

        // DrainAsync also returns false when the broadcast loop is not running: nothing to warn about then.
        if (!drained && drain.IsCancellationRequested)
        {
            Log.BroadcastsUndrained(_logger, BroadcastDrainTimeout.TotalSeconds, _broadcaster.Pending);
        }
    }

    private static readonly TimeSpan BroadcastDrainTimeout = TimeSpan.FromSeconds(2);

    /// <summary>The addresses of the Alive members, computed once per membership snapshot: asked on every commit.</summary>
    private IReadOnlyList<System.Net.EndPoint> LivePeers()
    {
        var snapshot = Members;
        var cached = Volatile.Read(ref _livePeers);
        if (cached?.Snapshot != snapshot)
        {
            cached = new LivePeerList(snapshot, [.. snapshot.Members.Where(m => m.Status == MemberStatus.Alive).Select(m => (System.Net.EndPoint)m.Member.Address)]);
            Volatile.Write(ref _livePeers, cached);
        }

        return cached.Peers;
    }

    private LivePeerList? _livePeers;

    private sealed record LivePeerList(MembershipSnapshot Snapshot, System.Net.EndPoint[] Peers);

    private async Task SyncLoopAsync(SyncSession session, CancellationToken stoppingToken)
    {
        var backoff = _options.MinSyncBackoff;
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
                _metrics?.SyncAttempted(peer.Id, peer.Member.Address);
                var started = Stopwatch.GetTimestamp();
                await using var connection = await _transport.ConnectAsync(peer.Member.Address, stoppingToken).ConfigureAwait(false);
                var result = await session.RunAsClientAsync(connection, stoppingToken).ConfigureAwait(false);
                _metrics?.SyncedWith(peer.Id, peer.Member.Address);
                Interlocked.Add(ref _syncChangesetsReceived, result.ChangesetsReceived);
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
            catch (Exception ex) when (ex is IOException or PeerProtocolException or CorrosionException or System.Net.Sockets.SocketException or InvalidOperationException or TimeoutException)
            {
                Log.SyncFailed(_logger, ex.Message);
                backoff = _options.MinSyncBackoff;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Anything else a round meets (a merge failing in a way not foreseen) must not end anti-entropy for
                // the life of the node, as it did, with no log line: say it, and carry on with the next round.
                Log.SyncRoundFailedUnexpectedly(_logger, ex.GetType().Name, ex.Message);
                backoff = _options.MinSyncBackoff;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop?.Dispose();
        await _membership.DisposeAsync().ConfigureAwait(false);
        await _broadcaster.DisposeAsync().ConfigureAwait(false);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2400, EventName = "Synced", Level = LogLevel.Information, Message = "synced {Changes} changes w/ {Actor} in {Seconds}s @ {Rate} changes/s")]
        public static partial void Synced(ILogger logger, int changes, string actor, double seconds, double rate);

        [LoggerMessage(EventId = 2401, EventName = "SyncFailed", Level = LogLevel.Debug, Message = "sync round failed: {Reason}")]
        public static partial void SyncFailed(ILogger logger, string reason);

        [LoggerMessage(EventId = 2404, EventName = "SyncRoundFailedUnexpectedly", Level = LogLevel.Warning, Message = "sync round failed: {Type}: {Reason}")]
        public static partial void SyncRoundFailedUnexpectedly(ILogger logger, string type, string reason);

        [LoggerMessage(EventId = 2403, EventName = "LoopsStillRunningAtStopDeadline", Level = LogLevel.Warning, Message = "the stop deadline passed while these loops were still running: {Loops}; stopping without waiting for them")]
        public static partial void LoopsStillRunningAtStopDeadline(ILogger logger, string loops);

        [LoggerMessage(EventId = 2406, EventName = "BroadcastsUndrained", Level = LogLevel.Warning, Message = "stopping before every local commit was broadcast (waited {Seconds}s, {Pending} still queued): peers get the rest by sync once this node is back")]
        public static partial void BroadcastsUndrained(ILogger logger, double seconds, int pending);

        [LoggerMessage(EventId = 2405, EventName = "WritesNotHeldWithoutBootstrap", Level = LogLevel.Warning, Message = "restored keeping this node's actor id, but gossip.bootstrap is empty: local writes are not held for a first sync; a peer that finds this node moves its version counter on at their first sync")]
        public static partial void WritesNotHeldWithoutBootstrap(ILogger logger);
    }
}
