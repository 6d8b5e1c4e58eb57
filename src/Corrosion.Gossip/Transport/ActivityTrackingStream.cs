namespace Corrosion.Gossip.Transport;

/// <summary>Passes reads and writes through to an inner stream and remembers when bytes last moved (for idle timeouts).</summary>
internal sealed class ActivityTrackingStream(Stream inner, TimeProvider timeProvider) : Stream
{
    private long _lastActivity = timeProvider.GetTimestamp();

    /// <summary><see cref="TimeProvider.GetTimestamp"/> of the last read or write that moved bytes.</summary>
    public long LastActivity => Interlocked.Read(ref _lastActivity);

    public override bool CanRead => inner.CanRead;

    public override bool CanSeek => false;

    public override bool CanWrite => inner.CanWrite;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Touch();
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Touch();
        await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        Touch();
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count)
    {
        var read = inner.Read(buffer, offset, count);
        Touch();
        return read;
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        Touch();
        inner.Write(buffer, offset, count);
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override void Flush() => inner.Flush();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override ValueTask DisposeAsync() => inner.DisposeAsync();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Touch() => Interlocked.Exchange(ref _lastActivity, timeProvider.GetTimestamp());
}
