using Microsoft.Extensions.Logging;

namespace Corrosion.Host.Logging;

/// <summary>The host's log messages. EventIds 4000-4999; next free id: 4018 (4013 PgNotAvailable and 4014 PrometheusNotAvailable are retired).</summary>
internal static partial class Log
{
    [LoggerMessage(4000, LogLevel.Information, "Starting Corrosion Agent v{Version}", EventName = "StartingAgent")]
    public static partial void StartingAgent(ILogger logger, string version);

    [LoggerMessage(4001, LogLevel.Information, "Actor ID: {ActorId}", EventName = "ActorId")]
    public static partial void ActorId(ILogger logger, string actorId);

    [LoggerMessage(4002, LogLevel.Information, "Starting Corrosion admin socket at {Path}", EventName = "StartingAdminSocket")]
    public static partial void StartingAdminSocket(ILogger logger, string path);

    [LoggerMessage(4003, LogLevel.Information, "Starting public API server on tcp/{Address}", EventName = "StartingPublicApi")]
    public static partial void StartingPublicApi(ILogger logger, string address);

    [LoggerMessage(4004, LogLevel.Warning, "No config file at {DefaultPath} and no -c/--config given: using the built-in default config. Data lives in {DataDir}", EventName = "DefaultConfigInUse")]
    public static partial void DefaultConfigInUse(ILogger logger, string defaultPath, string dataDir);

    [LoggerMessage(4005, LogLevel.Information, "Removed stale admin socket at {Path} (nobody was listening)", EventName = "StaleAdminSocketRemoved")]
    public static partial void StaleAdminSocketRemoved(ILogger logger, string path);

    [LoggerMessage(4006, LogLevel.Information, "Stopped admin socket at {Path}", EventName = "AdminSocketStopped")]
    public static partial void AdminSocketStopped(ILogger logger, string path);

    [LoggerMessage(4007, LogLevel.Warning, "Admin connection failed", EventName = "AdminConnectionFailed")]
    public static partial void AdminConnectionFailed(ILogger logger, Exception exception);

    [LoggerMessage(4008, LogLevel.Debug, "Admin request {Command}", EventName = "AdminRequest")]
    public static partial void AdminRequest(ILogger logger, string command);


    [LoggerMessage(4010, LogLevel.Information, "Using config {Source}", EventName = "UsingConfig")]
    public static partial void UsingConfig(ILogger logger, string source);

    [LoggerMessage(4011, LogLevel.Information, "Corrosion Agent stopped", EventName = "AgentStopped")]
    public static partial void AgentStopped(ILogger logger);

    [LoggerMessage(4012, LogLevel.Error, "Corrosion Agent failed", EventName = "AgentFailed")]
    public static partial void AgentFailed(ILogger logger, Exception exception);

    [LoggerMessage(4017, LogLevel.Error, "Corrosion Agent failed: {Reason}", EventName = "AgentFailedWithReason")]
    public static partial void AgentFailedWithReason(ILogger logger, string reason);

    [LoggerMessage(4015, LogLevel.Information, "Starting Prometheus metrics exporter on tcp/{Address}", EventName = "StartingPrometheus")]
    public static partial void StartingPrometheus(ILogger logger, string address);

    [LoggerMessage(4016, LogLevel.Information, "Exporting traces over OTLP ({Protocol}) to {Endpoint} (from {Source})", EventName = "StartingOpenTelemetry")]
    public static partial void StartingOpenTelemetry(ILogger logger, string protocol, string endpoint, string source);
}
