using Microsoft.Extensions.Logging;

namespace Corrosion.Host.Logging;

/// <summary>The template command's messages: EventIds 4500-4599 (apart from the rest of the host's); next free: 4504.</summary>
internal static partial class Log
{
    [LoggerMessage(4500, LogLevel.Debug, "Subscribed to {Sql} as {QueryId}", EventName = "TemplateSubscribed")]
    public static partial void TemplateSubscribed(ILogger logger, string sql, string queryId);

    [LoggerMessage(4501, LogLevel.Warning, "Subscription stream for {Sql} broke ({Reason}); resuming in {DelayMs}ms", EventName = "TemplateSubscriptionBroke")]
    public static partial void TemplateSubscriptionBroke(ILogger logger, string sql, string reason, double delayMs);

    [LoggerMessage(4502, LogLevel.Information, "Resumed subscription {QueryId} from change {ChangeId}", EventName = "TemplateSubscriptionResumed")]
    public static partial void TemplateSubscriptionResumed(ILogger logger, string queryId, long changeId);

    [LoggerMessage(4503, LogLevel.Warning, "Subscription {QueryId} is gone on the agent; subscribing anew", EventName = "TemplateSubscriptionGone")]
    public static partial void TemplateSubscriptionGone(ILogger logger, string queryId);
}
