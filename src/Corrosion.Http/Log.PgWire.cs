using System.Net;
using Microsoft.Extensions.Logging;

namespace Corrosion.Http;

/// <summary>The PostgreSQL wire listener's log messages: event ids 3100-3199; the next free id is 3110.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 3100, EventName = "PgServerStarting", Level = LogLevel.Information,
        Message = "Starting PostgreSQL wire protocol server on {Address}")]
    public static partial void PgServerStarting(ILogger logger, EndPoint address);

    [LoggerMessage(EventId = 3101, EventName = "PgServerStopped", Level = LogLevel.Information,
        Message = "PostgreSQL wire protocol server on {Address} stopped")]
    public static partial void PgServerStopped(ILogger logger, EndPoint address);

    [LoggerMessage(EventId = 3102, EventName = "PgConnectionOpened", Level = LogLevel.Debug,
        Message = "PostgreSQL connection {ConnectionId} from {Remote} opened")]
    public static partial void PgConnectionOpened(ILogger logger, int connectionId, EndPoint? remote);

    [LoggerMessage(EventId = 3103, EventName = "PgConnectionClosed", Level = LogLevel.Debug,
        Message = "PostgreSQL connection {ConnectionId} closed")]
    public static partial void PgConnectionClosed(ILogger logger, int connectionId);

    [LoggerMessage(EventId = 3104, EventName = "PgProtocolViolation", Level = LogLevel.Information,
        Message = "PostgreSQL connection {ConnectionId} closed after a protocol violation: {Reason}")]
    public static partial void PgProtocolViolation(ILogger logger, int connectionId, string reason);

    [LoggerMessage(EventId = 3105, EventName = "PgStatementFailed", Level = LogLevel.Debug,
        Message = "PostgreSQL connection {ConnectionId}: {SqlState} {Reason}")]
    public static partial void PgStatementFailed(ILogger logger, int connectionId, string sqlState, string reason);

    [LoggerMessage(EventId = 3106, EventName = "PgQueryReceived", Level = LogLevel.Debug,
        Message = "PostgreSQL connection {ConnectionId} query: {Sql}")]
    public static partial void PgQueryReceived(ILogger logger, int connectionId, string sql);

    [LoggerMessage(EventId = 3107, EventName = "PgTlsHandshakeFailed", Level = LogLevel.Information,
        Message = "PostgreSQL connection {ConnectionId}: TLS handshake failed: {Reason}")]
    public static partial void PgTlsHandshakeFailed(ILogger logger, int connectionId, string reason);

    [LoggerMessage(EventId = 3108, EventName = "PgConnectionFailed", Level = LogLevel.Warning,
        Message = "PostgreSQL connection {ConnectionId} failed")]
    public static partial void PgConnectionFailed(ILogger logger, int connectionId, Exception exception);

    [LoggerMessage(EventId = 3109, EventName = "PgAcceptFailed", Level = LogLevel.Warning,
        Message = "PostgreSQL wire protocol server on {Address}: accepting a connection failed")]
    public static partial void PgAcceptFailed(ILogger logger, EndPoint address, Exception exception);
}
