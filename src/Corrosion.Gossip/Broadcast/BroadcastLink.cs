using System.Net;
using Corrosion.Gossip.Protocol;
using Corrosion.Gossip.Transport;

namespace Corrosion.Gossip.Broadcast;

/// <summary>
/// One reused outbound broadcast stream to a peer, written by one sender at a time (the local commits' sender and
/// the forwarders of every inbound broadcast stream share it). A link that failed is retired: senders still queued
/// on it give up with <see cref="ObjectDisposedException"/>, which counts as a peer failure.
/// </summary>
internal sealed class BroadcastLink(EndPoint peer, TimeProvider time, TimeSpan reuseFor) : IAsyncDisposable
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);

    // Never disposed: SemaphoreSlim.Dispose forgets its queued waiters without completing them, and a sender queued
    // here when the link was retired then waited forever, even once cancelled, which held a node's stop for its
    // whole shutdown timeout and stopped its broadcasts for good.
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile bool _retired;
    private IPeerConnection? _connection;
    private long _lastWrite;

    /// <summary>How an unreachable or vanished peer shows up on a stream (anything else is a bug, not the network).</summary>
    public static bool IsPeerFailure(Exception ex) =>
        ex is IOException or PeerProtocolException or InvalidOperationException or ObjectDisposedException or System.Net.Sockets.SocketException;

    public async Task SendAsync(IPeerTransport transport, byte[] payload, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_retired, this);

            // A reused stream may have been closed while quiet (either side's gossip.idle_timeout_secs). Writing
            // into it can still "succeed" locally and lose this changeset until sync, so a stream quiet for half
            // the idle timeout, or already closed, is replaced first; one that fails under the write, once.
            if (_connection is not null && (time.GetElapsedTime(_lastWrite) >= reuseFor || !IsOpen(_connection)))
            {
                await DropAsync().ConfigureAwait(false);
            }

            var reused = _connection is not null;
            _connection ??= await transport.ConnectAsync(peer, cancellationToken).ConfigureAwait(false);
            try
            {
                await WriteAsync(_connection, payload, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (reused && IsPeerFailure(ex))
            {
                await DropAsync().ConfigureAwait(false);
                _connection = await transport.ConnectAsync(peer, cancellationToken).ConfigureAwait(false);
                await WriteAsync(_connection, payload, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Retires the link: waits (up to the drain timeout) for the send under way to finish with the stream, then
    /// closes it. Senders queued behind see the link retired.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        _retired = true;
        var entered = await _gate.WaitAsync(DrainTimeout).ConfigureAwait(false);
        try
        {
            await DropAsync().ConfigureAwait(false);
        }
        finally
        {
            if (entered)
            {
                _gate.Release();
            }
        }
    }

    private async Task WriteAsync(IPeerConnection connection, byte[] payload, CancellationToken cancellationToken)
    {
        FrameCodec.Write(connection.Transport.Output, (byte)PeerFrameType.Broadcast, payload);
        var flush = await connection.Transport.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (flush.IsCompleted)
        {
            throw new IOException($"broadcast stream to {peer} was closed");
        }

        _lastWrite = time.GetTimestamp();
    }

    /// <summary>Peers never write on a broadcast stream, so anything readable is its end: a close or an error.</summary>
    private static bool IsOpen(IPeerConnection connection)
    {
        try
        {
            if (!connection.Transport.Input.TryRead(out var result))
            {
                return true;
            }

            connection.Transport.Input.AdvanceTo(result.Buffer.End);
            return !result.IsCompleted && !result.IsCanceled;
        }
        catch (Exception)
        {
            return false;
        }
    }

    private async Task DropAsync()
    {
        var connection = _connection;
        _connection = null;
        if (connection is not null)
        {
            try
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (IsPeerFailure(ex))
            {
                // Already broken; nothing to flush.
            }
        }
    }
}
