using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Threading.Channels;
using Corrosion.Crdt;
using Corrosion.Gossip.Protocol;
using Corrosion.Gossip.Tracing;
using Corrosion.Gossip.Transport;
using Corrosion.Tracing;
using Microsoft.Extensions.Logging;

namespace Corrosion.Gossip.Broadcast;

/// <summary>
/// Spreads every locally committed changeset to a few random live members, which apply it and forward it a bounded
/// number of hops. Duplicates are harmless: the engine skips versions it holds, and only news is forwarded.
/// Lost broadcasts are repaired by anti-entropy sync.
/// </summary>
internal sealed partial class ChangeBroadcaster : IAsyncDisposable
{
    private readonly ICorrosionNode _node;
    private readonly IPeerTransport _transport;
    private readonly Func<IReadOnlyList<EndPoint>> _livePeers;
    private readonly BroadcastOptions _options;
    private readonly Random _random;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly TimeSpan _reuseFor;
    private readonly ConcurrentDictionary<EndPoint, BroadcastLink> _links = new();
    private long _sent;
    private long _received;
    private System.Threading.Channels.ChannelReader<CommittedChanges>? _pending;
    private int _sending;

    /// <param name="node">The local node: its committed changes are sent, received ones applied to it.</param>
    /// <param name="transport">The peer transport broadcasts go out on.</param>
    /// <param name="livePeers">The addresses of the members to pick broadcast targets from.</param>
    /// <param name="options">Fanout, hops and chunk size.</param>
    /// <param name="random">Picks the targets.</param>
    /// <param name="logger">Where the broadcaster logs.</param>
    /// <param name="time">The clock for stream reuse; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <param name="streamIdleTimeout">
    /// The transport's <c>gossip.idle_timeout_secs</c>: a stream quiet for half of it is replaced rather than reused,
    /// since the peer may be closing it at that moment and a write into it would be lost.
    /// </param>
    public ChangeBroadcaster(
        ICorrosionNode node,
        IPeerTransport transport,
        Func<IReadOnlyList<EndPoint>> livePeers,
        BroadcastOptions options,
        Random random,
        ILogger<ChangeBroadcaster> logger,
        TimeProvider? time = null,
        TimeSpan? streamIdleTimeout = null)
    {
        _time = time ?? TimeProvider.System;
        _reuseFor = (streamIdleTimeout ?? TimeSpan.FromSeconds(30)) / 2;
        _node = node;
        _transport = transport;
        _livePeers = livePeers;
        _options = options;
        _random = random;
        _logger = logger;
    }

    /// <summary>Where received broadcasts are traced (the engine's source; none outside a cluster node).</summary>
    internal ActivitySource? Tracing { get; init; }

    public long FramesSent => Interlocked.Read(ref _sent);

    public long FramesReceived => Interlocked.Read(ref _received);

    /// <summary>Local commits waiting to be broadcast.</summary>
    public int Pending => _pending is { CanCount: true } pending ? pending.Count : 0;

    /// <summary>Broadcasts local commits until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        // Without a live peer there is nobody to send a commit to (a peer that comes up later syncs it), so the
        // node need not read it back for the broadcast.
        using var subscription = _node.Changes.Subscribe(1024, BoundedChannelFullMode.DropOldest, wantsChanges: () => _livePeers().Count > 0);
        var reader = subscription.Reader;
        _pending = reader;
        try
        {
            while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                // Marked before an item leaves the queue, so DrainAsync never sees an empty queue and nothing
                // sending while a commit is between the two.
                Volatile.Write(ref _sending, 1);
                try
                {
                    while (reader.TryRead(out var committed))
                    {
                        if (!committed.IsLocal)
                        {
                            continue;
                        }

                        foreach (var chunk in committed.Changeset.Chunk(_options.MaxChangesPerChunk))
                        {
                            await SendAsync(Encode(chunk, hops: 0), except: null, cancellationToken).ConfigureAwait(false);
                        }
                    }
                }
                finally
                {
                    Volatile.Write(ref _sending, 0);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (ChannelClosedException)
        {
        }
    }

    /// <summary>
    /// Waits until every local commit published so far has been sent to its peers (or failed to), so that a stopping
    /// node does not drop the last versions it acknowledged. Returns false if <paramref name="cancellationToken"/>
    /// ends the wait first or <see cref="RunAsync"/> is not running.
    /// </summary>
    public async Task<bool> DrainAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (_pending is { } pending && (pending.Count > 0 || Volatile.Read(ref _sending) == 1))
            {
                if (pending.Completion.IsCompleted)
                {
                    return false;
                }

                await Task.Delay(DrainPollInterval, _time, cancellationToken).ConfigureAwait(false);
            }

            return _pending is not null;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private static readonly TimeSpan DrainPollInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>Serves a stream a peer opened for broadcasts, starting with its first frame.</summary>
    public async Task HandleStreamAsync(IPeerConnection connection, FrameCodec.OwnedFrame first, CancellationToken cancellationToken)
    {
        var frame = first;
        while (true)
        {
            using (frame)
            {
                if (frame.Type != (byte)PeerFrameType.Broadcast)
                {
                    throw new PeerProtocolException($"unexpected frame type {frame.Type} on a broadcast stream");
                }

                await ReceiveAsync(frame.Payload, connection.RemoteEndPoint, cancellationToken).ConfigureAwait(false);
            }

            var next = await FrameCodec.ReadFrameAsync(connection.Transport.Input, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (next is null)
            {
                return;
            }

            frame = next;
        }
    }

    private async Task ReceiveAsync(ReadOnlyMemory<byte> payload, EndPoint from, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _received);
        if (payload.Length < 1)
        {
            throw new PeerProtocolException("empty broadcast frame");
        }

        var hops = payload.Span[0];
        var changeset = ChangesetCodec.Decode(new ReadOnlySequence<byte>(payload[1..]));
        using var activity = GossipTracing.StartBroadcastReceive(Tracing, from, changeset, hops);
        ApplyResult result;
        try
        {
            result = await _node.ApplyChangesetsAsync([changeset], cancellationToken).ConfigureAwait(false);
        }
        catch (CorrosionException ex)
        {
            NodeTracing.Failed(activity, ex);
            Log.BroadcastRefused(_logger, changeset.ActorId.ToString(), changeset.Version, from.ToString() ?? "?", ex.Message);
            return;
        }

        var isNews = result.AppliedVersions > 0 || result.BufferedChunks > 0;
        var forward = isNews && hops + 1 < _options.MaxHops;
        activity?.SetTag("corrosion.broadcast.forwarded", forward);
        if (forward)
        {
            var forwarded = new byte[payload.Length];
            payload.CopyTo(forwarded);
            forwarded[0] = (byte)(hops + 1);
            await SendAsync(forwarded, except: from, cancellationToken).ConfigureAwait(false);
        }
    }

    private static byte[] Encode(Changeset changeset, byte hops)
    {
        var buffer = new ArrayBufferWriter<byte>();
        buffer.GetSpan(1)[0] = hops;
        buffer.Advance(1);
        ChangesetCodec.Write(buffer, changeset);
        return buffer.WrittenSpan.ToArray();
    }

    private async Task SendAsync(byte[] payload, EndPoint? except, CancellationToken cancellationToken)
    {
        var candidates = _livePeers().Where(p => !Equals(p, except) && !Equals(p, _transport.LocalEndPoint)).ToArray();
        _random.Shuffle(candidates);
        foreach (var peer in candidates.Take(_options.Fanout))
        {
            var link = _links.GetOrAdd(peer, p => new BroadcastLink(p, _time, _reuseFor));
            try
            {
                await link.SendAsync(_transport, payload, cancellationToken).ConfigureAwait(false);
                Interlocked.Increment(ref _sent);
            }
            catch (Exception ex) when (BroadcastLink.IsPeerFailure(ex))
            {
                // The peer is unreachable now; sync repairs what it missed. Only this link is retired: another sender
                // may already have put a new one in its place.
                Log.BroadcastSendFailed(_logger, peer.ToString() ?? "?", ex.Message);
                if (_links.TryRemove(new KeyValuePair<EndPoint, BroadcastLink>(peer, link)))
                {
                    await link.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Each link gives its peer up to the stream's drain timeout (5 s) to take what is still buffered; one after
        // the other, a node stopped right after a large transaction waited that long for every peer.
        await Task.WhenAll(_links.Values.Select(link => link.DisposeAsync().AsTask())).ConfigureAwait(false);
        _links.Clear();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2200, EventName = "BroadcastRefused", Level = LogLevel.Warning, Message = "refused broadcast of actor {Actor} version {Version} from {Peer}: {Reason}")]
        public static partial void BroadcastRefused(ILogger logger, string actor, long version, string peer, string reason);

        [LoggerMessage(EventId = 2201, EventName = "BroadcastSendFailed", Level = LogLevel.Debug, Message = "broadcast to {Peer} failed: {Reason}")]
        public static partial void BroadcastSendFailed(ILogger logger, string peer, string reason);
    }
}
