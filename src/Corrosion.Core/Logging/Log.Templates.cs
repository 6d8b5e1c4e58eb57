using Microsoft.Extensions.Logging;

namespace Corrosion.Logging;

/// <summary>Template renderer messages: EventIds 1500-1599 (kept apart from the rest of Core's range); next free: 1508.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1500, EventName = "TemplateWatching", Level = LogLevel.Information, Message = "Watching and rendering {Source} to {Destination}")]
    public static partial void TemplateWatching(ILogger logger, string source, string destination);

    [LoggerMessage(EventId = 1501, EventName = "TemplateRendered", Level = LogLevel.Debug, Message = "rendered {Source} to {Destination} in {Milliseconds}ms")]
    public static partial void TemplateRendered(ILogger logger, string source, string destination, double milliseconds);

    [LoggerMessage(EventId = 1502, EventName = "TemplateRenderFailed", Level = LogLevel.Error, Message = "could not render template '{Source}', keeping the previous {Destination}: {Reason}")]
    public static partial void TemplateRenderFailed(ILogger logger, string source, string destination, string reason);

    [LoggerMessage(EventId = 1503, EventName = "TemplateCommandExited", Level = LogLevel.Warning, Message = "command '{Command}' after rendering {Destination} exited with code {ExitCode}")]
    public static partial void TemplateCommandExited(ILogger logger, string command, string destination, int exitCode);

    [LoggerMessage(EventId = 1504, EventName = "TemplateCommandFailed", Level = LogLevel.Error, Message = "could not run command '{Command}' after rendering {Destination}")]
    public static partial void TemplateCommandFailed(ILogger logger, string command, string destination, Exception exception);

    [LoggerMessage(EventId = 1507, EventName = "TemplateCommandNotStarted", Level = LogLevel.Error, Message = "could not run command '{Command}' after rendering {Destination}: {Reason}")]
    public static partial void TemplateCommandNotStarted(ILogger logger, string command, string destination, string reason);

    [LoggerMessage(EventId = 1505, EventName = "TemplateWatchFailed", Level = LogLevel.Warning, Message = "stopped watching a query of {Source} for changes")]
    public static partial void TemplateWatchFailed(ILogger logger, string source, Exception exception);

    [LoggerMessage(EventId = 1506, EventName = "TemplateChanged", Level = LogLevel.Debug, Message = "{Changes} change signals for {Source}'s queries; re-rendering")]
    public static partial void TemplateChanged(ILogger logger, int changes, string source);
}
