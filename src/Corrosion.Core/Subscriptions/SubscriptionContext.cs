using Corrosion.Crdt;
using Corrosion.Storage;
using Microsoft.Extensions.Logging;

namespace Corrosion.Subscriptions;

/// <summary>What every matcher of a node shares: readers, the store, the change feed and the limits.</summary>
internal sealed record SubscriptionContext(
    ReaderPool Readers,
    SubscriptionStore Store,
    IChangeFeed Feed,
    ILogger Logger,
    TimeProvider Time,
    int ClientBufferSize,
    int HistoryLimit,
    int FeedCapacity);
