using System.Buffers;
using System.Net;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Corrosion.Gossip.Transport.Tcp;

/// <summary>
/// The sending half of datagrams over TLS to one peer: a bounded queue of encoded datagram frames and one pump that
/// opens a TLS datagram connection lazily, writes the queued frames to it, and reopens it on the next datagram once it
/// closed (idle timeout, peer gone). Senders never wait: <see cref="TryEnqueue"/> drops the oldest queued datagram when
/// the queue is full, and a connection that cannot be opened loses what was queued, as UDP would. A link with nothing to
/// send for the idle timeout retires itself (the transport opens a new one on the next send).
/// </summary>
internal sealed class TlsDatagramLink
{
    /// <summary>Datagrams queued per peer before the oldest is dropped.</summary>
    public const int QueueCapacity = 64;

    private readonly IPEndPoint _target;
    private readonly Func<IPEndPoint, CancellationToken, Task<StreamPeerConnection>> _connect;
    private readonly Action<TlsDatagramLink, int, string> _lost;
    private readonly Action<TlsDatagramLink> _retired;
    private readonly TimeSpan _idleTimeout;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly CancellationToken _stopping;
    private readonly Channel<byte[]> _queue;
    private StreamPeerConnection? _connection;

    public TlsDatagramLink(
        IPEndPoint target,
        Func<IPEndPoint, CancellationToken, Task<StreamPeerConnection>> connect,
        Action<TlsDatagramLink, int, string> lost,
        Action<TlsDatagramLink> retired,
        TimeSpan idleTimeout,
        TimeProvider timeProvider,
        ILogger logger,
        CancellationToken stopping)
    {
        _target = target;
        _connect = connect;
        _lost = lost;
        _retired = retired;
        _idleTimeout = idleTimeout;
        _timeProvider = timeProvider;
        _logger = logger;
        _stopping = stopping;
        _queue = Channel.CreateBounded<byte[]>(
            new BoundedChannelOptions(QueueCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            _ => _lost(this, 1, "the queue for this peer is full"));
        Pump = Task.Run(PumpAsync, CancellationToken.None);
    }

    public IPEndPoint Target => _target;

    /// <summary>The pump; ends when the link retires or the transport stops.</summary>
    public Task Pump { get; }

    /// <summary>Queues one encoded datagram frame. False once the link has retired (the caller uses a new link).</summary>
    public bool TryEnqueue(byte[] frame) => _queue.Writer.TryWrite(frame);

    private async Task PumpAsync()
    {
        var reader = _queue.Reader;
        try
        {
            while (await WaitForDatagramAsync(reader).ConfigureAwait(false))
            {
                var connection = _connection;
                if (connection is null || connection.IsClosed)
                {
                    try
                    {
                        connection = _connection = await _connect(_target, _stopping).ConfigureAwait(false);
                        _ = CloseWhenPeerEndsAsync(connection);
                    }
                    catch (Exception e) when (!_stopping.IsCancellationRequested)
                    {
                        // Connection failure: what was queued is lost, like UDP to a dead or unreachable peer.
                        _connection = null;
                        _lost(this, Drain(reader), $"cannot open a TLS datagram connection: {e.Message}");
                        continue;
                    }
                }

                var count = 0;
                var output = connection.Transport.Output;
                try
                {
                    while (reader.TryRead(out var frame))
                    {
                        output.Write(frame.AsSpan());
                        count++;
                    }

                    await output.FlushAsync(_stopping).ConfigureAwait(false);
                }
                catch (Exception e) when (!_stopping.IsCancellationRequested)
                {
                    connection.Abort("datagram connection failed");
                    _lost(this, count, $"the TLS datagram connection failed: {e.Message}");
                }
            }
        }
        catch (Exception) when (_stopping.IsCancellationRequested)
        {
            // The transport stopped; whatever broke on the way out (a handshake cut short, a reset) does not matter.
        }
        finally
        {
            _queue.Writer.TryComplete();
            _retired(this);
        }

        if (_connection is { } last)
        {
            if (_stopping.IsCancellationRequested)
            {
                last.Abort("the peer transport stopped");
            }
            else
            {
                // Idle retirement: let the last flushed frames reach the socket before closing (close_notify, FIN).
                await last.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>True when a datagram is queued; false when none came for the idle timeout (the link retires).</summary>
    private async Task<bool> WaitForDatagramAsync(ChannelReader<byte[]> reader)
    {
        if (reader.TryPeek(out _))
        {
            return true;
        }

        using var idle = CancellationTokenSource.CreateLinkedTokenSource(_stopping);
        using var timer = _timeProvider.CreateTimer(static s => ((CancellationTokenSource)s!).Cancel(), idle, _idleTimeout, Timeout.InfiniteTimeSpan);
        try
        {
            return await reader.WaitToReadAsync(idle.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!_stopping.IsCancellationRequested)
        {
            // Idle: retire unless a datagram slipped in meanwhile (then the next call sees it).
            _queue.Writer.TryComplete();
            return reader.TryPeek(out _);
        }
    }

    private static int Drain(ChannelReader<byte[]> reader)
    {
        var count = 0;
        while (reader.TryRead(out _))
        {
            count++;
        }

        return count;
    }

    /// <summary>The receiver never writes on a datagram connection: anything it sends, or its end of stream, closes it here.</summary>
    private async Task CloseWhenPeerEndsAsync(StreamPeerConnection connection)
    {
        var input = connection.Transport.Input;
        try
        {
            var result = await input.ReadAsync(_stopping).ConfigureAwait(false);
            input.AdvanceTo(result.Buffer.End);
        }
#pragma warning disable CA1031 // Whatever ended the read, the connection is done; the next datagram opens a new one.
        catch (Exception)
#pragma warning restore CA1031
        {
        }

        if (!connection.IsClosed)
        {
            connection.Abort("the peer ended the datagram connection");
            Log.DatagramConnectionEnded(_logger, _target);
        }
    }
}
