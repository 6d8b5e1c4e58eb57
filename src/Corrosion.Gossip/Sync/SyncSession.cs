using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using Corrosion.Crdt;
using Corrosion.Gossip.Metrics;
using Corrosion.Gossip.Protocol;
using Corrosion.Gossip.Tracing;
using Corrosion.Gossip.Transport;
using Corrosion.Tracing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Corrosion.Gossip.Sync;

/// <summary>
/// One anti-entropy exchange over a peer stream, the same on both ends: each side sends its sync state, then
/// streams the changesets the other lacks and a done marker, while applying what it receives. One instance serves
/// all of a node's sessions, so that what one session is receiving is not asked of another
/// (<see cref="IncomingVersions"/>).
/// </summary>
internal sealed partial class SyncSession
{
    private const int ApplyBatch = 64;

    private readonly ICorrosionNode _node;
    private readonly int _maxVersionsPerSession;
    private readonly IncomingVersions _incoming = new();

    // Versions already reported as refused: every round offers them again until the schemas agree, and a warning per
    // version per round buried the log (thousands of lines a minute). Repeats go to debug.
    private readonly HashSet<(ActorId Actor, long Version)> _refused = [];

    public SyncSession(ICorrosionNode node, int maxVersionsPerSession = 20_000)
    {
        _node = node;
        _maxVersionsPerSession = maxVersionsPerSession;
    }

    /// <summary>Where the changes sent and received are counted (none outside a metered cluster node).</summary>
    internal GossipMetrics? Metrics { get; init; }

    /// <summary>Where the session's span is started (the engine's source; none outside a cluster node).</summary>
    internal ActivitySource? Tracing { get; init; }

    /// <summary>Where changesets this node refuses to merge are reported.</summary>
    public ILogger Logger { get; init; } = NullLogger.Instance;

    /// <summary>Client side: opens the exchange by sending our state first.</summary>
    public async Task<SyncResult> RunAsClientAsync(IPeerConnection connection, CancellationToken cancellationToken)
    {
        using var activity = GossipTracing.StartSync(Tracing, ActivityKind.Client, connection.RemoteEndPoint);
        try
        {
            var started = Stopwatch.GetTimestamp();
            var local = await _node.GetSyncStateAsync(cancellationToken).ConfigureAwait(false);
            var advertised = _incoming.Advertise(local);
            await WriteFrameAsync(connection.Transport.Output, PeerFrameType.SyncState, SyncStateCodec.Encode(advertised), cancellationToken).ConfigureAwait(false);
            var peer = await ReadStateAsync(connection.Transport.Input, cancellationToken).ConfigureAwait(false);
            return await ExchangeAsync(connection, local, advertised, peer, started, activity, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (activity is not null)
        {
            NodeTracing.Failed(activity, ex);
            throw;
        }
    }

    /// <summary>Server side of a stream whose first frame is the client's sync state.</summary>
    public async Task<SyncResult> ServeAsync(IPeerConnection connection, CancellationToken cancellationToken)
    {
        var peer = await ReadStateAsync(connection.Transport.Input, cancellationToken).ConfigureAwait(false);
        return await RunAsServerAsync(connection, peer, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Server side: the client's state frame was already read by the dispatcher.</summary>
    public async Task<SyncResult> RunAsServerAsync(IPeerConnection connection, SyncState peer, CancellationToken cancellationToken)
    {
        using var activity = GossipTracing.StartSync(Tracing, ActivityKind.Server, connection.RemoteEndPoint);
        try
        {
            var started = Stopwatch.GetTimestamp();
            var local = await _node.GetSyncStateAsync(cancellationToken).ConfigureAwait(false);
            var advertised = _incoming.Advertise(local);
            await WriteFrameAsync(connection.Transport.Output, PeerFrameType.SyncState, SyncStateCodec.Encode(advertised), cancellationToken).ConfigureAwait(false);
            return await ExchangeAsync(connection, local, advertised, peer, started, activity, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (activity is not null)
        {
            NodeTracing.Failed(activity, ex);
            throw;
        }
    }

    /// <param name="connection">The open peer stream the session runs on.</param>
    /// <param name="local">What this node holds: what it sends is planned from it.</param>
    /// <param name="advertised">The state this node sent: the peer plans what it sends from it.</param>
    /// <param name="peer">The state the peer sent: what this node sends is planned against it.</param>
    /// <param name="started">The session's start (<see cref="Stopwatch.GetTimestamp"/>), for its duration.</param>
    /// <param name="activity">The session's trace span, if traced.</param>
    /// <param name="cancellationToken">Cancels the exchange.</param>
    private async Task<SyncResult> ExchangeAsync(IPeerConnection connection, SyncState local, SyncState advertised, SyncState peer, long started, Activity? activity, CancellationToken cancellationToken)
    {
        activity?.SetTag("corrosion.peer.actor_id", peer.ActorId.ToString());
        var ownHead = peer.Heads.GetValueOrDefault(_node.ActorId);
        if (_node is CorrosionNode engine && (ownHead > local.Heads.GetValueOrDefault(_node.ActorId) || engine.OwnActorCatchUpPending))
        {
            // The peer holds versions of this node's actor that it lacks (restored from an older backup): before
            // anything else, move the local version counter above them, so no local write reuses their numbers; a
            // node restored keeping its actor id also lets its held writes go (it now knows this peer's head).
            // The peer sends the versions in this session (it plans from our state, as for any actor).
            await engine.ObserveOwnHeadAsync(peer.ActorId, ownHead, cancellationToken).ConfigureAwait(false);
        }

        using var expected = _incoming.Expect(SyncPlanner.VersionsToSend(peer, advertised, _maxVersionsPerSession));
        var send = SendMissingAsync(connection.Transport.Output, local, peer, cancellationToken);
        var receive = ReceiveAsync(connection.Transport.Input, peer.ActorId, cancellationToken);
        await Task.WhenAll(send, receive).ConfigureAwait(false);
        var (received, changes) = await receive.ConfigureAwait(false);
        var (sent, changesSent) = await send.ConfigureAwait(false);
        var result = new SyncResult(peer.ActorId, sent, received, changes, Stopwatch.GetElapsedTime(started));
        GossipTracing.Synced(activity, result, changesSent);
        return result;
    }

    private async Task<(int Changesets, int Changes)> SendMissingAsync(PipeWriter output, SyncState local, SyncState peer, CancellationToken cancellationToken)
    {
        var sent = 0;
        var changes = 0;
        foreach (var (actor, version) in SyncPlanner.VersionsToSend(local, peer, _maxVersionsPerSession))
        {
            var missingSeqs = peer.PartialNeed.GetValueOrDefault(actor)?.GetValueOrDefault(version);
            foreach (var changeset in await _node.ReadChangesetsAsync(actor, version, cancellationToken).ConfigureAwait(false))
            {
                // Encoding a large version is CPU work that never waits while the pipe takes it: without this, a
                // node stopped while sending one (hundreds of thousands of changes) held its stop for seconds.
                cancellationToken.ThrowIfCancellationRequested();
                if (missingSeqs is not null && !changeset.IsCleared && !missingSeqs.Any(m => m.Start <= changeset.SeqEnd && m.End >= changeset.SeqStart))
                {
                    // The peer holds this piece of a version it has in part: send only the pieces it lacks.
                    continue;
                }

                var buffer = new ArrayBufferWriter<byte>();
                ChangesetCodec.Write(buffer, changeset);
                FrameCodec.Write(output, (byte)PeerFrameType.SyncChangeset, buffer.WrittenSpan);
                Metrics?.SyncChangesetSent(changeset.Changes.Count, buffer.WrittenCount);
                sent++;
                changes += changeset.Changes.Count;
                if (sent % 32 == 0)
                {
                    await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }

        FrameCodec.Write(output, (byte)PeerFrameType.SyncDone, ReadOnlySpan<byte>.Empty);
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        return (sent, changes);
    }

    private async Task<(int Changesets, int Changes)> ReceiveAsync(PipeReader input, ActorId peer, CancellationToken cancellationToken)
    {
        var pending = new List<Changeset>(ApplyBatch);
        int changesets = 0, changes = 0;
        while (true)
        {
            var done = false;
            using (var frame = await FrameCodec.ReadFrameAsync(input, cancellationToken: cancellationToken).ConfigureAwait(false)
                ?? throw new PeerProtocolException("peer ended the sync session before it was done"))
            {
                switch ((PeerFrameType)frame.Type)
                {
                    case PeerFrameType.SyncChangeset:
                        var changeset = ChangesetCodec.Decode(new ReadOnlySequence<byte>(frame.Payload));
                        pending.Add(changeset);
                        changesets++;
                        changes += changeset.Changes.Count;
                        Metrics?.SyncChangesReceived(changeset.Changes.Count);
                        break;
                    case PeerFrameType.SyncDone:
                        done = true;
                        break;
                    default:
                        throw new PeerProtocolException($"unexpected frame type {frame.Type} in a sync session");
                }
            }

            if (pending.Count >= ApplyBatch || (done && pending.Count > 0))
            {
                var refused = await ApplyAsync(pending, peer, cancellationToken).ConfigureAwait(false);
                changesets -= refused.Changesets;
                changes -= refused.Changes;
                pending.Clear();
            }

            if (done)
            {
                return (changesets, changes);
            }
        }
    }

    /// <summary>
    /// Applies a batch in one transaction; when the node refuses a changeset of it (a schema it breaks, a malformed
    /// key), applies them one at a time and reports the ones refused. One refused version used to roll back its
    /// whole batch and end the session, every round, so nothing planned after it ever arrived from that peer.
    /// </summary>
    /// <returns>
    /// What was refused, which the session does not count as received: a round that only met versions refused before
    /// logged "synced 1 changes" every second and kept the sync loop at its shortest backoff.
    /// </returns>
    private async Task<(int Changesets, int Changes)> ApplyAsync(List<Changeset> pending, ActorId peer, CancellationToken cancellationToken)
    {
        try
        {
            await _node.ApplyChangesetsAsync(pending, cancellationToken).ConfigureAwait(false);
            return (0, 0);
        }
        catch (CorrosionException ex) when (pending.Count == 1)
        {
            ReportRefused(pending[0], peer, ex);
            return (1, pending[0].Changes.Count);
        }
        catch (CorrosionException)
        {
        }

        int changesets = 0, changes = 0;
        foreach (var changeset in pending)
        {
            try
            {
                await _node.ApplyChangesetsAsync([changeset], cancellationToken).ConfigureAwait(false);
            }
            catch (CorrosionException ex)
            {
                ReportRefused(changeset, peer, ex);
                changesets++;
                changes += changeset.Changes.Count;
            }
        }

        return (changesets, changes);
    }

    private void ReportRefused(Changeset changeset, ActorId peer, CorrosionException ex)
    {
        bool first;
        lock (_refused)
        {
            if (_refused.Count >= 100_000)
            {
                _refused.Clear();
            }

            first = _refused.Add((changeset.ActorId, changeset.Version));
        }

        if (first)
        {
            Log.ChangesetRefused(Logger, changeset.ActorId.ToString(), changeset.Version, peer.ToString(), ex.Message);
        }
        else
        {
            Log.ChangesetRefusedAgain(Logger, changeset.ActorId.ToString(), changeset.Version, peer.ToString(), ex.Message);
        }
    }

    private static async Task<SyncState> ReadStateAsync(PipeReader input, CancellationToken cancellationToken)
    {
        using var frame = await FrameCodec.ReadFrameAsync(input, cancellationToken: cancellationToken).ConfigureAwait(false)
            ?? throw new PeerProtocolException("peer closed the stream before sending its sync state");
        return frame.Type == (byte)PeerFrameType.SyncState
            ? SyncStateCodec.Decode(new ReadOnlySequence<byte>(frame.Payload))
            : throw new PeerProtocolException($"expected a sync state frame, got type {frame.Type}");
    }

    private static async Task WriteFrameAsync(PipeWriter output, PeerFrameType type, byte[] payload, CancellationToken cancellationToken)
    {
        FrameCodec.Write(output, (byte)type, payload);
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2600, EventName = "SyncChangesetRefused", Level = LogLevel.Warning, Message = "refused changeset of actor {Actor} version {Version} synced from {Peer}: {Reason}")]
        public static partial void ChangesetRefused(ILogger logger, string actor, long version, string peer, string reason);

        [LoggerMessage(EventId = 2601, EventName = "SyncChangesetRefusedAgain", Level = LogLevel.Debug, Message = "refused changeset of actor {Actor} version {Version} synced from {Peer} again: {Reason}")]
        public static partial void ChangesetRefusedAgain(ILogger logger, string actor, long version, string peer, string reason);
    }
}
