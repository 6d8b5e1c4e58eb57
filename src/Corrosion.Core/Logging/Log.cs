using Microsoft.Extensions.Logging;

namespace Corrosion.Logging;

/// <summary>Source-generated log messages of Corrosion.Core (EventIds 1000-1999; next free: 1029).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1000, EventName = "CreatingTable", Level = LogLevel.Information, Message = "creating table '{Table}'")]
    public static partial void CreatingTable(ILogger logger, string table);

    [LoggerMessage(EventId = 1001, EventName = "UpdatedSchemaRows", Level = LogLevel.Information, Message = "updated {Rows} rows in __corro_schema for table {Table}")]
    public static partial void UpdatedSchemaRows(ILogger logger, int rows, string table);

    [LoggerMessage(EventId = 1002, EventName = "NodeOpened", Level = LogLevel.Information, Message = "Actor ID: {ActorId}")]
    public static partial void NodeOpened(ILogger logger, string actorId);

    [LoggerMessage(EventId = 1003, EventName = "SchemaApplied", Level = LogLevel.Information, Message = "Applied schema in {Seconds}s")]
    public static partial void SchemaApplied(ILogger logger, double seconds);

    [LoggerMessage(EventId = 1004, EventName = "SchemaMessage", Level = LogLevel.Information, Message = "{Message}")]
    public static partial void SchemaMessage(ILogger logger, string message);

    [LoggerMessage(EventId = 1005, EventName = "DatabaseOpened", Level = LogLevel.Information, Message = "Opened database {Path} (SQLite {SqliteVersion})")]
    public static partial void DatabaseOpened(ILogger logger, string path, string sqliteVersion);

    [LoggerMessage(EventId = 1006, EventName = "ChangesetsApplied", Level = LogLevel.Debug, Message = "applied {Versions} versions ({Changes} changes won, {Buffered} chunks buffered, {Skipped} skipped)")]
    public static partial void ChangesetsApplied(ILogger logger, int versions, int changes, int buffered, int skipped);

    [LoggerMessage(EventId = 1007, EventName = "TransactionCommitted", Level = LogLevel.Debug, Message = "committed version {Version} with {Changes} changes")]
    public static partial void TransactionCommitted(ILogger logger, long version, long changes);

    [LoggerMessage(EventId = 1008, EventName = "NodeClosed", Level = LogLevel.Information, Message = "Closed database {Path}")]
    public static partial void NodeClosed(ILogger logger, string path);

    [LoggerMessage(EventId = 1009, EventName = "SubscriptionCreated", Level = LogLevel.Information, Message = "subscription {Id} created ({Path}: {Reason})")]
    public static partial void SubscriptionCreated(ILogger logger, Guid id, string path, string reason);

    [LoggerMessage(EventId = 1010, EventName = "SubscriptionRestored", Level = LogLevel.Information, Message = "subscription {Id} restored at change id {ChangeId}")]
    public static partial void SubscriptionRestored(ILogger logger, Guid id, long changeId);

    [LoggerMessage(EventId = 1011, EventName = "SubscriptionRestoreFailed", Level = LogLevel.Warning, Message = "subscription {Id} could not be restored and is dropped")]
    public static partial void SubscriptionRestoreFailed(ILogger logger, Guid id, Exception exception);

    [LoggerMessage(EventId = 1012, EventName = "SubscriptionDropped", Level = LogLevel.Information, Message = "subscription {Id} dropped after {Seconds}s without clients")]
    public static partial void SubscriptionDropped(ILogger logger, Guid id, double seconds);

    [LoggerMessage(EventId = 1017, EventName = "SubscriptionEndedBySchemaChange", Level = LogLevel.Warning, Message = "subscription {Id} ended by a schema change: {Reason}")]
    public static partial void SubscriptionEndedBySchemaChange(ILogger logger, Guid id, string reason);

    [LoggerMessage(EventId = 1013, EventName = "SubscriptionMatched", Level = LogLevel.Debug, Message = "subscription {Id} emitted {Changes} changes ({Mode} re-run)")]
    public static partial void SubscriptionMatched(ILogger logger, Guid id, int changes, string mode);

    [LoggerMessage(EventId = 1014, EventName = "SubscriptionMatchFailed", Level = LogLevel.Error, Message = "subscription {Id} failed to match changes")]
    public static partial void SubscriptionMatchFailed(ILogger logger, Guid id, Exception exception);

    [LoggerMessage(EventId = 1015, EventName = "SubscriptionClientFellBehind", Level = LogLevel.Warning, Message = "a client of subscription {Id} fell behind ({Capacity} events buffered) and was disconnected")]
    public static partial void SubscriptionClientFellBehind(ILogger logger, Guid id, int capacity);

    [LoggerMessage(EventId = 1029, EventName = "CommittedVersionUnread", Level = LogLevel.Error, Message = "a committed local version could not be read back: peers get it through sync, but subscriptions and update streams miss it")]
    public static partial void CommittedVersionUnread(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1025, EventName = "OwnVersionsBehindPeer", Level = LogLevel.Warning, Message = "peer {Peer} holds this node's actor {ActorId} up to version {PeerHead}, above its own head {LocalHead} (restored from an older backup?): fetching the missing versions from peers; local writes continue above it")]
    public static partial void OwnVersionsBehindPeer(ILogger logger, string peer, string actorId, long peerHead, long localHead);

    [LoggerMessage(EventId = 1026, EventName = "WritesHeldForOwnActorSync", Level = LogLevel.Warning, Message = "restored keeping actor id {ActorId}: local writes wait for the first sync with a peer (at most {Seconds}s), which tells how far peers hold this actor's versions")]
    public static partial void WritesHeldForOwnActorSync(ILogger logger, string actorId, double seconds);

    [LoggerMessage(EventId = 1027, EventName = "OwnActorSynced", Level = LogLevel.Information, Message = "synced with peer {Peer} since the restore keeping actor id {ActorId}: local writes continue above version {Version}")]
    public static partial void OwnActorSynced(ILogger logger, string peer, string actorId, long version);

    [LoggerMessage(EventId = 1028, EventName = "WritesResumedWithoutSync", Level = LogLevel.Warning, Message = "no sync with a peer within {Seconds}s of the restore keeping this node's actor id: local writes go ahead, and may reuse a version number a peer holds if one wrote after the backup")]
    public static partial void WritesResumedWithoutSync(ILogger logger, double seconds);

    [LoggerMessage(EventId = 1018, EventName = "WalTruncated", Level = LogLevel.Information, Message = "truncated the write-ahead log ({Megabytes:0.#} MB, over the threshold of {Threshold} MB) in {Seconds:0.###}s")]
    public static partial void WalTruncated(ILogger logger, double megabytes, long threshold, double seconds);

    [LoggerMessage(EventId = 1019, EventName = "WalTruncateBusy", Level = LogLevel.Warning, Message = "could not truncate the write-ahead log ({Megabytes:0.#} MB): readers kept it busy for the busy timeout; trying again in {Interval}")]
    public static partial void WalTruncateBusy(ILogger logger, double megabytes, TimeSpan interval);

    [LoggerMessage(EventId = 1020, EventName = "WalTruncateFailed", Level = LogLevel.Error, Message = "could not check or truncate the write-ahead log")]
    public static partial void WalTruncateFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1021, EventName = "WalCheckpointFailed", Level = LogLevel.Warning, Message = "background checkpoint of the write-ahead log failed: {Error} (code {Code}); the next commits will try again")]
    public static partial void WalCheckpointFailed(ILogger logger, string error, int code);

    [LoggerMessage(EventId = 1016, EventName = "SubscriptionsFellBehindFeed", Level = LogLevel.Warning, Message = "subscriptions fell behind the change feed; re-running every subscription's whole query")]
    public static partial void SubscriptionsFellBehindFeed(ILogger logger);

    [LoggerMessage(EventId = 1022, EventName = "NewDatabaseRemoved", Level = LogLevel.Information, Message = "Removed the new database {Path} that the failed start had created")]
    public static partial void NewDatabaseRemoved(ILogger logger, string path);

    [LoggerMessage(EventId = 1023, EventName = "NewDatabaseRemoveFailed", Level = LogLevel.Warning, Message = "could not remove the new database {Path} that the failed start had created; delete it before starting again")]
    public static partial void NewDatabaseRemoveFailed(ILogger logger, string path, Exception exception);

    [LoggerMessage(EventId = 1024, EventName = "StreamsEnded", Level = LogLevel.Information, Message = "Ended {Subscriptions} subscription streams and {TableWatches} table update streams: the node is stopping")]
    public static partial void StreamsEnded(ILogger logger, int subscriptions, int tableWatches);
}
