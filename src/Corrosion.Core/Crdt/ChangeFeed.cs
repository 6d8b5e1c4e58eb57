using System.Threading.Channels;

namespace Corrosion.Crdt;

/// <summary>Fans committed changes out to bounded per-reader channels; the writer never waits on a reader.</summary>
internal sealed class ChangeFeed : IChangeFeed
{
    private readonly Lock _gate = new();
    private ChangeFeedSubscription[] _subscriptions = [];

    public ChangeFeedSubscription Subscribe(int capacity = 1024, BoundedChannelFullMode fullMode = BoundedChannelFullMode.DropOldest, Func<bool>? wantsChanges = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        var channel = Channel.CreateBounded<CommittedChanges>(new BoundedChannelOptions(capacity)
        {
            FullMode = fullMode,
            SingleReader = true,
            SingleWriter = true,
        });
        var subscription = new ChangeFeedSubscription(channel, Remove, wantsChanges);
        lock (_gate)
        {
            _subscriptions = [.. _subscriptions, subscription];
        }

        return subscription;
    }

    /// <summary>Whether any reader wants a commit published now.</summary>
    public bool IsWanted()
    {
        foreach (var subscription in Volatile.Read(ref _subscriptions))
        {
            if (subscription.WantsChanges?.Invoke() ?? true)
            {
                return true;
            }
        }

        return false;
    }

    public void Publish(CommittedChanges changes)
    {
        foreach (var subscription in Volatile.Read(ref _subscriptions))
        {
            if (subscription.WantsChanges?.Invoke() == false)
            {
                continue;
            }

            // With FullMode.Wait a full channel refuses the write: that reader is too slow and is cut off.
            if (!subscription.Channel.Writer.TryWrite(changes))
            {
                subscription.Channel.Writer.TryComplete(new ChannelClosedException("change feed reader fell behind"));
            }
        }
    }

    public void Complete()
    {
        foreach (var subscription in Volatile.Read(ref _subscriptions))
        {
            subscription.Channel.Writer.TryComplete();
        }
    }

    private void Remove(ChangeFeedSubscription subscription)
    {
        lock (_gate)
        {
            _subscriptions = [.. _subscriptions.Where(s => s != subscription)];
        }
    }
}
