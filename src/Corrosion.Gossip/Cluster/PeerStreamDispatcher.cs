using Corrosion.Gossip.Broadcast;
using Corrosion.Gossip.Protocol;
using Corrosion.Gossip.Sync;
using Corrosion.Gossip.Transport;
using Microsoft.Extensions.Logging;

namespace Corrosion.Gossip.Cluster;

/// <summary>
/// Accepts peer streams and hands each to its protocol by its first frame: a sync state opens an anti-entropy
/// session, a broadcast frame a broadcast stream. A stream that breaks the protocol is closed; the loop goes on.
/// </summary>
internal sealed partial class PeerStreamDispatcher
{
    private readonly IPeerTransport _transport;
    private readonly SyncSession _sync;
    private readonly ChangeBroadcaster _broadcaster;
    private readonly ILogger _logger;

    public PeerStreamDispatcher(IPeerTransport transport, SyncSession sync, ChangeBroadcaster broadcaster, ILogger<PeerStreamDispatcher> logger)
    {
        _transport = transport;
        _sync = sync;
        _broadcaster = broadcaster;
        _logger = logger;
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var running = new List<Task>();
        try
        {
            await foreach (var connection in _transport.AcceptAsync(cancellationToken).ConfigureAwait(false))
            {
                running.RemoveAll(t => t.IsCompleted);
                running.Add(ServeAsync(connection, cancellationToken));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        await Task.WhenAll(running).ConfigureAwait(false);
    }

    private async Task ServeAsync(IPeerConnection connection, CancellationToken cancellationToken)
    {
        await Task.Yield();
        await using (connection.ConfigureAwait(false))
        {
            try
            {
                var first = await FrameCodec.ReadFrameAsync(connection.Transport.Input, cancellationToken: cancellationToken).ConfigureAwait(false);
                if (first is null)
                {
                    return;
                }

                switch ((PeerFrameType)first.Type)
                {
                    case PeerFrameType.SyncState:
                        var state = SyncStateCodec.Decode(new System.Buffers.ReadOnlySequence<byte>(first.Payload));
                        first.Dispose();
                        var result = await _sync.RunAsServerAsync(connection, state, cancellationToken).ConfigureAwait(false);
                        Log.SyncServed(_logger, result.ChangesetsSent, result.Peer.ToString(), result.ChangesetsReceived);
                        if (result.ChangesReceived > 0)
                        {
                            var seconds = result.Elapsed.TotalSeconds;
                            Log.Synced(_logger, result.ChangesReceived, result.Peer.ToString(), seconds, result.ChangesReceived / Math.Max(seconds, 1e-9));
                        }
                        break;
                    case PeerFrameType.Broadcast:
                        await _broadcaster.HandleStreamAsync(connection, first, cancellationToken).ConfigureAwait(false);
                        break;
                    default:
                        first.Dispose();
                        throw new PeerProtocolException($"a peer stream cannot start with frame type {first.Type}");
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
            }
            catch (Exception ex) when (ex is PeerProtocolException or IOException or CorrosionException)
            {
                Log.StreamClosed(_logger, connection.RemoteEndPoint.ToString() ?? "?", ex.Message);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Not foreseen (a merge failing otherwise than with a CorrosionException): the task was left faulted
                // with no log line, and its fault surfaced, if at all, only at shutdown.
                Log.StreamFailed(_logger, connection.RemoteEndPoint.ToString() ?? "?", ex.GetType().Name, ex.Message);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2300, EventName = "SyncServed", Level = LogLevel.Debug, Message = "served sync: sent {Sent} changesets to {Peer}, received {Received}")]
        public static partial void SyncServed(ILogger logger, int sent, string peer, int received);

        [LoggerMessage(EventId = 2302, EventName = "SyncedAsServer", Level = LogLevel.Information, Message = "synced {Changes} changes w/ {Actor} in {Seconds}s @ {Rate} changes/s")]
        public static partial void Synced(ILogger logger, int changes, string actor, double seconds, double rate);

        [LoggerMessage(EventId = 2301, EventName = "PeerStreamClosed", Level = LogLevel.Information, Message = "closed stream from {Peer}: {Reason}")]
        public static partial void StreamClosed(ILogger logger, string peer, string reason);

        [LoggerMessage(EventId = 2303, EventName = "PeerStreamFailed", Level = LogLevel.Warning, Message = "closed stream from {Peer}: {Type}: {Reason}")]
        public static partial void StreamFailed(ILogger logger, string peer, string type, string reason);
    }
}
