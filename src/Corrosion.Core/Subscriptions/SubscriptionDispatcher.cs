using System.Threading.Channels;
using Corrosion.Crdt;
using Corrosion.Logging;
using Corrosion.Storage;

namespace Corrosion.Subscriptions;

/// <summary>
/// The one change-feed reader of a node's subscriptions. It coalesces whatever commits are queued, collects their
/// changed keys once, routes them to the matchers that read a touched table, and runs those matchers on a few
/// rented reader connections, each connection serving many matchers in turn. One reader and a handful of
/// connections per dispatch, instead of one feed reader, one wake-up and one rent per subscription per commit, is
/// what lets a node carry thousands of subscriptions.
/// </summary>
internal sealed class SubscriptionDispatcher : IAsyncDisposable
{
    private readonly SubscriptionContext _context;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();

    // Set when a matcher starts with work already pending (commits seen while it initialized, or a resync).
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private SubscriptionMatcher[] _matchers = [];

    // Held for a whole dispatch (match, persist, apply), so that removing a matcher waits for its changes to be
    // persisted before its stored state is deleted.
    private readonly SemaphoreSlim _dispatching = new(1, 1);
    private ChangeFeedSubscription _feed;
    private readonly Task _loop;

    /// <summary>Opens the feed now, so every matcher registered later sees every commit from then on.</summary>
    public SubscriptionDispatcher(SubscriptionContext context)
    {
        _context = context;
        _feed = SubscribeFeed();
        _loop = Task.Run(() => RunAsync(_stop.Token), CancellationToken.None);
    }

    /// <summary>
    /// Commits are wanted only while a matcher is registered: one published before that is already in the database
    /// when the matcher reads its initial result.
    /// </summary>
    private ChangeFeedSubscription SubscribeFeed() =>
        _context.Feed.Subscribe(_context.FeedCapacity, BoundedChannelFullMode.Wait, wantsChanges: () => Volatile.Read(ref _matchers).Length > 0);

    /// <summary>
    /// Routes commits to <paramref name="matcher"/> from now on; they are held for it until <see cref="Start"/>.
    /// Register before reading its initial result, so no commit falls in between.
    /// </summary>
    public void Register(SubscriptionMatcher matcher)
    {
        lock (_gate)
        {
            _matchers = [.. _matchers, matcher];
        }
    }

    /// <summary>Lets the matcher run; with <paramref name="resync"/> its whole query is re-run first.</summary>
    public void Start(SubscriptionMatcher matcher, bool resync)
    {
        matcher.MarkStarted(resync);
        _wake.Writer.TryWrite(true);
    }

    /// <summary>Stops routing to <paramref name="matcher"/>; returns once a dispatch running it has finished.</summary>
    public async Task RemoveAsync(SubscriptionMatcher matcher, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _matchers = [.. _matchers.Where(m => m != matcher)];
        }

        await _dispatching.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            matcher.Stop();
        }
        finally
        {
            _dispatching.Release();
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        // At most one outstanding wait per channel: a wait left pending by the other one finishing first is kept
        // for the next round rather than piling up a new waiter per dispatch.
        Task<bool>? feedReady = null;
        Task<bool>? wakeReady = null;
        try
        {
            while (true)
            {
                ChangedKeys? changed = null;
                var resyncAll = false;
                try
                {
                    if (!_feed.Reader.TryPeek(out _) && !_wake.Reader.TryPeek(out _))
                    {
                        feedReady ??= _feed.Reader.WaitToReadAsync(cancellationToken).AsTask();
                        wakeReady ??= _wake.Reader.WaitToReadAsync(cancellationToken).AsTask();
                        await Task.WhenAny(feedReady, wakeReady).ConfigureAwait(false);
                        if (wakeReady.IsCompleted)
                        {
                            wakeReady = null;
                        }

                        if (feedReady.IsCompleted)
                        {
                            var ready = feedReady;
                            feedReady = null;
                            if (!await ready.ConfigureAwait(false))
                            {
                                return;
                            }
                        }
                    }

                    // Coalesce whatever is queued into one dispatch. With no matchers registered a commit concerns
                    // nobody: a matcher registered after it was read runs its first query after that commit.
                    while (_feed.Reader.TryRead(out var committed))
                    {
                        if (Volatile.Read(ref _matchers).Length > 0)
                        {
                            changed ??= new ChangedKeys();
                            changed.Add(committed.Changeset.Changes);
                        }
                    }
                }
                catch (ChannelClosedException)
                {
                    // The dispatcher fell behind the feed and was cut off: every matcher starts over from a full
                    // re-run, which sees every commit, including those dropped. Without subscriptions there is
                    // nothing to re-run, and nothing worth a warning.
                    if (Volatile.Read(ref _matchers).Length > 0)
                    {
                        Log.SubscriptionsFellBehindFeed(_context.Logger);
                    }

                    _feed.Dispose();
                    _feed = SubscribeFeed();
                    feedReady = null;
                    resyncAll = true;
                }

                _wake.Reader.TryRead(out _);
                await _dispatching.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    await DispatchAsync(changed, resyncAll, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    _dispatching.Release();
                }
            }
        }
        catch (Exception ex) when (cancellationToken.IsCancellationRequested && ex is OperationCanceledException or SqliteException)
        {
            // Stopping: a match that was running was interrupted (SQLITE_INTERRUPT) or cancelled.
        }
        finally
        {
            _feed.Dispose();
        }
    }

    /// <summary>Routes one dispatch, runs the matchers due, persists what they found in one go, then applies it.</summary>
    private async Task DispatchAsync(ChangedKeys? changed, bool resyncAll, CancellationToken cancellationToken)
    {
        var due = new List<SubscriptionMatcher>();
        foreach (var matcher in Volatile.Read(ref _matchers))
        {
            if (matcher.Route(changed, resyncAll))
            {
                due.Add(matcher);
            }
        }

        if (due.Count == 0)
        {
            return;
        }

        try
        {
            await RunMatchersAsync(due, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Not a query failing (each matcher handles its own) but the dispatch itself, e.g. no reader
            // connection: the changes taken for these matchers are lost, so their clients cannot be kept
            // correct. The others, and later commits, go on.
            foreach (var matcher in due)
            {
                matcher.Fail(ex);
            }

        }
    }

    /// <summary>
    /// Persists what one worker's matchers found, in one transaction, then hands it to their clients. Persist first:
    /// a change id a client has seen must survive a crash with the same content.
    /// </summary>
    private void PersistAndApply(List<MatchedBatch> batches, CancellationToken cancellationToken)
    {
        if (batches.Count == 0)
        {
            return;
        }

        try
        {
            _context.Store.SaveAll(batches);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            foreach (var batch in batches)
            {
                batch.Matcher.Fail(ex);
            }

            return;
        }

        foreach (var batch in batches)
        {
            batch.Matcher.Apply(batch);
        }
    }

    /// <summary>
    /// Runs the due matchers, each once, on up to one connection per core; a worker takes the next matcher when done
    /// with one, so one slow full re-run does not hold up the rest of the dispatch on that connection alone. Each
    /// worker then persists its matchers' changes in one transaction (not one per subscription) and applies them,
    /// without waiting for the other workers.
    /// </summary>
    private async Task RunMatchersAsync(List<SubscriptionMatcher> due, CancellationToken cancellationToken)
    {
        var next = -1;
        async Task WorkAsync()
        {
            var batches = new List<MatchedBatch>();
            var connection = await _context.Readers.RentAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                using var interrupt = cancellationToken.Register(connection.Interrupt);
                int i;
                while ((i = Interlocked.Increment(ref next)) < due.Count)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (due[i].Match(connection, cancellationToken) is { } batch)
                    {
                        batches.Add(batch);
                    }
                }
            }
            finally
            {
                _context.Readers.Return(connection);
            }

            PersistAndApply(batches, cancellationToken);
        }

        var workers = Math.Min(due.Count, Environment.ProcessorCount);
        if (workers <= 1)
        {
            // One matcher (the common case with few subscriptions): no extra hop on the way to its clients.
            await WorkAsync().ConfigureAwait(false);
            return;
        }

        var tasks = new Task[workers];
        for (var w = 0; w < workers; w++)
        {
            tasks[w] = Task.Run(WorkAsync, cancellationToken);
        }

        await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        _stop.Dispose();
        _dispatching.Dispose();
    }
}
