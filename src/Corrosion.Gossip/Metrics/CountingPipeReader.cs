using System.Buffers;
using System.IO.Pipelines;

namespace Corrosion.Gossip.Metrics;

/// <summary>Counts the bytes a reader consumes (for <c>corro.peer.stream.bytes.recv.total</c>), once per <c>AdvanceTo</c>.</summary>
internal sealed class CountingPipeReader(PipeReader inner, Action<long> onConsumed) : PipeReader
{
    private ReadOnlySequence<byte> _last;

    public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        var result = await inner.ReadAsync(cancellationToken).ConfigureAwait(false);
        _last = result.Buffer;
        return result;
    }

    public override bool TryRead(out ReadResult result)
    {
        if (inner.TryRead(out result))
        {
            _last = result.Buffer;
            return true;
        }

        return false;
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        var bytes = _last.Slice(0, consumed).Length;
        _last = default;
        inner.AdvanceTo(consumed, examined);
        if (bytes > 0)
        {
            onConsumed(bytes);
        }
    }

    public override void CancelPendingRead() => inner.CancelPendingRead();

    public override void Complete(Exception? exception = null) => inner.Complete(exception);

    public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);
}
