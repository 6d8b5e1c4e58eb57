using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace Corrosion.Gossip.Transport;

/// <summary>
/// A peer stream over any <see cref="Stream"/> (a <see cref="System.Net.Sockets.NetworkStream"/>, an
/// <see cref="SslStream"/>, a QUIC stream), exposed as pipes. Closes itself when no bytes moved in either direction
/// for the idle timeout (<c>gossip.idle_timeout_secs</c>).
/// </summary>
internal sealed class StreamPeerConnection : IPeerConnection
{
    private readonly ActivityTrackingStream _stream;
    private readonly TimeSpan _idleTimeout;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ITimer _idleTimer;
    private readonly Action<StreamPeerConnection>? _onClosed;
    private int _closed;

    public StreamPeerConnection(
        Stream stream,
        EndPoint remoteEndPoint,
        X509Certificate2? remoteCertificate,
        TimeSpan idleTimeout,
        TimeProvider timeProvider,
        ILogger logger,
        Action<StreamPeerConnection>? onClosed = null)
    {
        _stream = new ActivityTrackingStream(stream, timeProvider);
        RemoteEndPoint = remoteEndPoint;
        RemoteCertificate = remoteCertificate;
        _idleTimeout = idleTimeout;
        _timeProvider = timeProvider;
        _logger = logger;
        _onClosed = onClosed;
        Transport = new DuplexPipe(
            PipeReader.Create(_stream, new StreamPipeReaderOptions(leaveOpen: true)),
            PipeWriter.Create(_stream, new StreamPipeWriterOptions(leaveOpen: true)));
        var period = TimeSpan.FromTicks(Math.Max(idleTimeout.Ticks / 4, TimeSpan.FromMilliseconds(10).Ticks));
        _idleTimer = timeProvider.CreateTimer(static state => ((StreamPeerConnection)state!).CheckIdle(), this, period, period);
    }

    public EndPoint RemoteEndPoint { get; }

    public X509Certificate2? RemoteCertificate { get; }

    public IDuplexPipe Transport { get; }

    /// <summary>True once the stream was closed by the idle timeout, by dispose, or by the transport stopping.</summary>
    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>Closes the underlying stream at once: pending reads and writes fail or end.</summary>
    public void Abort()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        _idleTimer.Dispose();
        _stream.Dispose();
        _onClosed?.Invoke(this);
    }

    public async ValueTask DisposeAsync()
    {
        if (Volatile.Read(ref _closed) != 0)
        {
            return;
        }

        try
        {
            await Transport.Output.CompleteAsync().ConfigureAwait(false);
            await Transport.Input.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The peer is gone; nothing left to flush to.
        }

        Abort();
    }

    private void CheckIdle()
    {
        var idle = _timeProvider.GetElapsedTime(_stream.LastActivity);
        if (idle >= _idleTimeout && !IsClosed)
        {
            Log.IdleStreamClosed(_logger, RemoteEndPoint, idle.TotalSeconds);
            Abort();
        }
    }
}
