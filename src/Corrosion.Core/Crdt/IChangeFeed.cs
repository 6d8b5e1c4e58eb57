using System.Threading.Channels;

namespace Corrosion.Crdt;

/// <summary>The changes of one committed version, local or merged from a peer.</summary>
/// <param name="Changeset">The version's changes (complete: seqs 0..=last_seq, what still won here).</param>
/// <param name="IsLocal">Written on this node (true) or merged from a peer (false).</param>
/// <param name="ImpactedTables">Tables whose rows changed on this node by this commit.</param>
public sealed record CommittedChanges(Changeset Changeset, bool IsLocal, IReadOnlySet<string> ImpactedTables);

/// <summary>Where committed changes are published, in commit order, to any number of readers.</summary>
public interface IChangeFeed
{
    /// <summary>
    /// Opens a bounded reader of committed changes. <paramref name="fullMode"/> says what happens when this reader
    /// falls behind: the writer never waits on a reader. Dispose the subscription to stop receiving.
    /// </summary>
    /// <param name="capacity">Commits buffered for this reader.</param>
    /// <param name="fullMode">What a full buffer does: drop commits, or (<see cref="BoundedChannelFullMode.Wait"/>) cut the reader off.</param>
    /// <param name="wantsChanges">
    /// Asked as each commit is published, on the writer's path, so it must be cheap: while it returns false this
    /// reader is not given commits. A local version that no reader wants is not read back from the database at all.
    /// Without it the reader wants every commit.
    /// </param>
    ChangeFeedSubscription Subscribe(int capacity = 1024, BoundedChannelFullMode fullMode = BoundedChannelFullMode.DropOldest, Func<bool>? wantsChanges = null);
}

/// <summary>One reader of the change feed.</summary>
public sealed class ChangeFeedSubscription : IDisposable
{
    private readonly Action<ChangeFeedSubscription> _unsubscribe;

    internal ChangeFeedSubscription(Channel<CommittedChanges> channel, Action<ChangeFeedSubscription> unsubscribe, Func<bool>? wantsChanges)
    {
        Channel = channel;
        _unsubscribe = unsubscribe;
        WantsChanges = wantsChanges;
    }

    internal Channel<CommittedChanges> Channel { get; }

    internal Func<bool>? WantsChanges { get; }

    /// <summary>
    /// The committed changes, in commit order. It completes when the subscription is disposed or the node stops, and
    /// completes with a <see cref="ChannelClosedException"/> when a reader opened with <see cref="BoundedChannelFullMode.Wait"/> falls a full buffer behind.
    /// </summary>
    public ChannelReader<CommittedChanges> Reader => Channel.Reader;

    /// <summary>Stops receiving: detaches from the feed and completes <see cref="Reader"/> (changes already buffered can still be read).</summary>
    public void Dispose()
    {
        _unsubscribe(this);
        Channel.Writer.TryComplete();
    }
}
