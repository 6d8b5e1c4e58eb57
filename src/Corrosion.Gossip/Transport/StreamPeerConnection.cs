using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace Corrosion.Gossip.Transport;

/// <summary>
/// A peer stream over any <see cref="Stream"/> (a <see cref="System.Net.Sockets.NetworkStream"/>, an
/// <see cref="SslStream"/>, a QUIC stream), exposed as pipes, Kestrel style: a receive loop fills the input pipe and a send
/// loop drains the output pipe. Completing <see cref="IDuplexPipe.Output"/> flushes what is buffered and half-closes the
/// stream (TLS close_notify and TCP FIN, or QUIC's end of stream), so the peer reads end of stream while this side can
/// still read. Closes itself when no bytes moved in either direction for the idle timeout (<c>gossip.idle_timeout_secs</c>).
/// </summary>
internal sealed class StreamPeerConnection : IPeerConnection
{
    private static readonly PipeOptions PipeOptions = new(pauseWriterThreshold: 1 << 20, resumeWriterThreshold: 1 << 19, useSynchronizationContext: false);
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);

    private readonly Stream _stream;
    private readonly Func<ValueTask> _shutdownWrites;
    private readonly Pipe _input = new(PipeOptions);
    private readonly Pipe _output = new(PipeOptions);
    private readonly TimeSpan _idleTimeout;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ITimer _idleTimer;
    private readonly Action<StreamPeerConnection>? _onClosed;
    private readonly Task _receiveLoop;
    private readonly Task _sendLoop;
    private long _lastActivity;
    private int _closed;
    private volatile string? _closeReason;

    public StreamPeerConnection(
        Stream stream,
        Func<ValueTask> shutdownWrites,
        EndPoint remoteEndPoint,
        X509Certificate2? remoteCertificate,
        TimeSpan idleTimeout,
        TimeProvider timeProvider,
        ILogger logger,
        Action<StreamPeerConnection>? onClosed = null)
    {
        _stream = stream;
        _shutdownWrites = shutdownWrites;
        RemoteEndPoint = remoteEndPoint;
        RemoteCertificate = remoteCertificate;
        _idleTimeout = idleTimeout;
        _timeProvider = timeProvider;
        _logger = logger;
        _onClosed = onClosed;
        _lastActivity = timeProvider.GetTimestamp();
        Transport = new DuplexPipe(_input.Reader, _output.Writer);
        var period = TimeSpan.FromTicks(Math.Max(idleTimeout.Ticks / 4, TimeSpan.FromMilliseconds(10).Ticks));
        _idleTimer = timeProvider.CreateTimer(static state => ((StreamPeerConnection)state!).CheckIdle(), this, period, period);
        _receiveLoop = Task.Run(ReceiveLoopAsync);
        _sendLoop = Task.Run(SendLoopAsync);
    }

    public EndPoint RemoteEndPoint { get; }

    public X509Certificate2? RemoteCertificate { get; }

    public IDuplexPipe Transport { get; }

    /// <summary>True once the stream was closed by the idle timeout, by dispose, or by the transport stopping.</summary>
    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>Closes the underlying stream at once: pending reads fail, unsent bytes are lost.</summary>
    public void Abort(string reason = "connection aborted")
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        _closeReason = reason;
        _idleTimer.Dispose();
        _stream.Dispose();
        _input.Writer.CancelPendingFlush();
        _output.Reader.CancelPendingRead();
        _onClosed?.Invoke(this);
    }

    public async ValueTask DisposeAsync()
    {
        if (IsClosed)
        {
            await _output.Writer.CompleteAsync().ConfigureAwait(false);
            await _input.Reader.CompleteAsync().ConfigureAwait(false);
            return;
        }

        await _output.Writer.CompleteAsync().ConfigureAwait(false);
        await _input.Reader.CompleteAsync().ConfigureAwait(false);
        try
        {
            await _sendLoop.WaitAsync(DrainTimeout, _timeProvider).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The peer stopped reading; give up on the rest.
        }

        Abort("connection disposed");
        await _receiveLoop.ConfigureAwait(false);
    }

    private void Touch() => Interlocked.Exchange(ref _lastActivity, _timeProvider.GetTimestamp());

    private void CheckIdle()
    {
        var idle = _timeProvider.GetElapsedTime(Interlocked.Read(ref _lastActivity));
        if (idle >= _idleTimeout && !IsClosed)
        {
            Log.IdleStreamClosed(_logger, RemoteEndPoint, idle.TotalSeconds);
            Abort($"closed after {idle.TotalSeconds:0.#}s without traffic (gossip.idle_timeout_secs)");
        }
    }

    private async Task ReceiveLoopAsync()
    {
        Exception? error = null;
        var writer = _input.Writer;
        try
        {
            while (true)
            {
                var memory = writer.GetMemory(4096);
                var read = await _stream.ReadAsync(memory).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                Touch();
                writer.Advance(read);
                var flush = await writer.FlushAsync().ConfigureAwait(false);
                if (flush.IsCompleted || flush.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (Exception e)
        {
            error = IsClosed ? new IOException(_closeReason ?? "connection closed", e) : e;
        }

        await writer.CompleteAsync(error).ConfigureAwait(false);
    }

    private async Task SendLoopAsync()
    {
        Exception? error = null;
        var reader = _output.Reader;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                if (result.IsCanceled)
                {
                    break;
                }

                if (!buffer.IsEmpty)
                {
                    Touch();
                    foreach (var segment in buffer)
                    {
                        await _stream.WriteAsync(segment).ConfigureAwait(false);
                    }

                    await _stream.FlushAsync().ConfigureAwait(false);
                    Touch();
                }

                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted)
                {
                    if (!IsClosed)
                    {
                        await _shutdownWrites().ConfigureAwait(false);
                    }

                    break;
                }
            }
        }
        catch (Exception e)
        {
            error = IsClosed ? new IOException(_closeReason ?? "connection closed", e) : e;
        }

        await reader.CompleteAsync(error).ConfigureAwait(false);
    }
}
