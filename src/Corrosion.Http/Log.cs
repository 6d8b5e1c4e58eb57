using Microsoft.Extensions.Logging;

namespace Corrosion.Http;

/// <summary>The HTTP API's log messages. Event ids 3000-3999 belong to Corrosion.Http; ids 3100-3199 are the PostgreSQL wire listener's (Log.PgWire.cs); the next free id is 3013.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 3000, EventName = "RequestRefused", Level = LogLevel.Debug,
        Message = "{Method} {Path} refused with {StatusCode}: {Reason}")]
    public static partial void RequestRefused(ILogger logger, string method, string path, int statusCode, string reason);

    [LoggerMessage(EventId = 3001, EventName = "Unauthorized", Level = LogLevel.Information,
        Message = "{Method} {Path} refused with 401: {Reason}")]
    public static partial void Unauthorized(ILogger logger, string method, string path, string reason);

    [LoggerMessage(EventId = 3002, EventName = "TransactionFailed", Level = LogLevel.Information,
        Message = "Transaction of {StatementCount} statement(s) rolled back: {Reason}")]
    public static partial void TransactionFailed(ILogger logger, int statementCount, string reason);

    [LoggerMessage(EventId = 3003, EventName = "TransactionCommitted", Level = LogLevel.Debug,
        Message = "Transaction of {StatementCount} statement(s) committed as version {Version} in {ElapsedSeconds}s")]
    public static partial void TransactionCommitted(ILogger logger, int statementCount, long? version, double elapsedSeconds);

    [LoggerMessage(EventId = 3004, EventName = "InternalError", Level = LogLevel.Error,
        Message = "{Method} {Path} failed with an internal error")]
    public static partial void InternalError(ILogger logger, string method, string path, Exception exception);

    [LoggerMessage(EventId = 3005, EventName = "QueryRefused", Level = LogLevel.Information,
        Message = "Query refused: {Reason}")]
    public static partial void QueryRefused(ILogger logger, string reason);

    [LoggerMessage(EventId = 3006, EventName = "QueryFailedWhileStreaming", Level = LogLevel.Warning,
        Message = "Query failed after {RowCount} row(s): {Reason}")]
    public static partial void QueryFailedWhileStreaming(ILogger logger, long rowCount, string reason);

    [LoggerMessage(EventId = 3007, EventName = "QueryTimedOut", Level = LogLevel.Information,
        Message = "Query timed out after {TimeoutSeconds}s ({RowCount} row(s) sent)")]
    public static partial void QueryTimedOut(ILogger logger, double timeoutSeconds, long rowCount);

    [LoggerMessage(EventId = 3008, EventName = "ClientDisconnected", Level = LogLevel.Debug,
        Message = "{Method} {Path}: the client went away")]
    public static partial void ClientDisconnected(ILogger logger, string method, string path);

    [LoggerMessage(EventId = 3009, EventName = "QueryCompleted", Level = LogLevel.Debug,
        Message = "Query streamed {RowCount} row(s); first row after {ElapsedSeconds}s")]
    public static partial void QueryCompleted(ILogger logger, long rowCount, double elapsedSeconds);

    [LoggerMessage(EventId = 3010, EventName = "SubscriptionClientCutOff", Level = LogLevel.Information,
        Message = "Subscription {Id} stream ended with an error: {Reason}")]
    public static partial void SubscriptionClientCutOff(ILogger logger, Guid id, string reason);

    [LoggerMessage(EventId = 3011, EventName = "StreamReaderLagged", Level = LogLevel.Warning,
        Message = "{Path}: the client fell behind and was disconnected: {Reason}")]
    public static partial void StreamReaderLagged(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 3012, EventName = "StreamEndedForShutdown", Level = LogLevel.Debug,
        Message = "{Method} {Path}: stream ended because the node is stopping")]
    public static partial void StreamEndedForShutdown(ILogger logger, string method, string path);
}
