using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Corrosion.Subscriptions;

/// <summary>
/// One client of a subscription: the events captured when it joined (columns, rows and end-of-query, or the
/// replayed changes), then a channel of live changes. The matcher only ever calls <see cref="TryDeliver"/>, which
/// never waits: a client that still has its capacity's worth of earlier events unread when a commit's changes
/// arrive is cut off and its stream ends with an error event.
/// </summary>
internal sealed class SubscriptionClient : ISubscription
{
    private readonly IReadOnlyList<SubscriptionEvent> _initial;
    private readonly Channel<SubscriptionEvent> _live;
    private readonly Action<SubscriptionClient> _leave;
    private readonly int _capacity;
    private string? _failure;
    private int _waiting;
    private int _consumed;
    private int _disposed;

    public SubscriptionClient(Guid id, IReadOnlyList<string> columns, IReadOnlyList<SubscriptionEvent> initial, int capacity, Action<SubscriptionClient> leave)
    {
        Id = id;
        Columns = columns;
        _initial = initial;
        _capacity = capacity;
        _leave = leave;
        // Unbounded, but bounded in effect by TryDeliver: at most capacity events from earlier commits plus one
        // commit's worth (which the matcher holds in memory anyway) are ever waiting.
        _live = Channel.CreateUnbounded<SubscriptionEvent>(new UnboundedChannelOptions
        {
            SingleReader = true,
            SingleWriter = true,
        });
    }

    public Guid Id { get; }

    public IReadOnlyList<string> Columns { get; }

    /// <summary>
    /// Queues the changes of one commit (all or none); false, and the client is cut off, when it is behind: its
    /// capacity's worth of earlier events is still unread. One commit alone can bring more events than the capacity
    /// (a 20,000-row UPDATE); judging by the buffer filling up while they are queued cut off every client of the
    /// table, however fast it read, and one that then resumed with ?from= found those changes already past the history.
    /// </summary>
    public bool TryDeliver(IReadOnlyList<SubscriptionEvent> events)
    {
        if (Volatile.Read(ref _waiting) >= _capacity)
        {
            Fail($"subscription client fell behind: more than {_capacity} events were waiting to be read");
            return false;
        }

        foreach (var @event in events)
        {
            if (!_live.Writer.TryWrite(@event))
            {
                // Completed: the client left or was failed, and is being removed; nothing more to queue.
                break;
            }

            Interlocked.Increment(ref _waiting);
        }

        return true;
    }

    /// <summary>Ends the stream after the events already queued, with an error event carrying <paramref name="message"/>.</summary>
    public void Fail(string message)
    {
        Interlocked.CompareExchange(ref _failure, message, null);
        _live.Writer.TryComplete();
    }

    /// <summary>
    /// Ends the stream after the events already queued, without an error event: the node is stopping. Enumerations
    /// finish and an observer gets <c>OnCompleted</c>, so a caller streaming it (an app's endpoint) ends normally.
    /// </summary>
    public void End() => _live.Writer.TryComplete();

    public IAsyncEnumerator<SubscriptionEvent> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        Claim();
        return ReadAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
    }

    private async IAsyncEnumerable<SubscriptionEvent> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var @event in _initial)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return @event;
        }

        await foreach (var @event in _live.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            Interlocked.Decrement(ref _waiting);
            yield return @event;
        }

        if (Volatile.Read(ref _failure) is { } failure)
        {
            yield return new SubscriptionEvent.Error(failure);
        }
    }

    /// <summary>
    /// Pushes every event (an <see cref="SubscriptionEvent.Error"/> included) to <paramref name="observer"/> with
    /// <c>OnNext</c>, then <c>OnCompleted</c>; an exception while reading goes to <c>OnError</c>. Disposing the
    /// returned handle stops the pump; dispose the subscription itself to leave it.
    /// </summary>
    public IDisposable Subscribe(IObserver<SubscriptionEvent> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        Claim();
        var stop = new CancellationTokenSource();
        _ = Task.Run(async () =>
        {
            try
            {
                await foreach (var @event in ReadAsync(stop.Token).ConfigureAwait(false))
                {
                    observer.OnNext(@event);
                }

                observer.OnCompleted();
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // Unsubscribed: nothing more to tell this observer.
            }
            catch (Exception ex)
            {
                observer.OnError(ex);
            }
        });
        return new Unsubscriber(stop);
    }

    private void Claim()
    {
        if (Interlocked.Exchange(ref _consumed, 1) != 0)
        {
            throw new InvalidOperationException("a subscription's events can be consumed once: enumerate it or subscribe one observer");
        }
    }

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _leave(this);
            _live.Writer.TryComplete();
        }

        return ValueTask.CompletedTask;
    }

    private sealed class Unsubscriber(CancellationTokenSource stop) : IDisposable
    {
        public void Dispose()
        {
            // Not disposed: the pump may still be observing the token as it unwinds.
            stop.Cancel();
        }
    }
}
