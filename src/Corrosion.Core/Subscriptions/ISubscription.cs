namespace Corrosion.Subscriptions;

/// <summary>
/// One client of a SQL subscription. The events can be consumed once, either by enumerating this handle or by
/// subscribing one observer. Events are buffered per client up to a bound; a client that falls that far behind gets
/// a final <see cref="SubscriptionEvent.Error"/>. When the node begins to stop (the host's <c>ApplicationStopping</c>,
/// or the node's disposal) the events end cleanly, after those already queued and with no error: an enumeration
/// finishes and an observer gets <c>OnCompleted</c>, so an endpoint streaming them ends its response by itself. Dispose
/// to leave: the subscription itself lives on (it is shared by every client of the same SQL) until it has had no client
/// for the retention period.
/// </summary>
public interface ISubscription : IAsyncEnumerable<SubscriptionEvent>, IObservable<SubscriptionEvent>, IAsyncDisposable
{
    /// <summary>The subscription's id, the same for every client of the same SQL and parameters.</summary>
    Guid Id { get; }

    /// <summary>The names of the query's columns.</summary>
    IReadOnlyList<string> Columns { get; }
}
