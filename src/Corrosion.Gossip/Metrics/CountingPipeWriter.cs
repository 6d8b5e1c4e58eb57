using System.IO.Pipelines;

namespace Corrosion.Gossip.Metrics;

/// <summary>Counts the bytes written to a writer (for <c>corro.peer.stream.bytes.sent.total</c>), once per flush.</summary>
internal sealed class CountingPipeWriter(PipeWriter inner, Action<long> onFlushed) : PipeWriter
{
    private long _unflushed;

    public override void Advance(int bytes)
    {
        inner.Advance(bytes);
        _unflushed += bytes;
    }

    public override Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);

    public override async ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        var bytes = _unflushed;
        _unflushed = 0;
        var result = await inner.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (bytes > 0)
        {
            onFlushed(bytes);
        }

        return result;
    }

    public override void CancelPendingFlush() => inner.CancelPendingFlush();

    public override void Complete(Exception? exception = null) => inner.Complete(exception);

    public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

    public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

    public override long UnflushedBytes => inner.UnflushedBytes;
}
