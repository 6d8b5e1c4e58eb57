using System.Globalization;
using System.Text.Json;
using Corrosion.Host.Config;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Corrosion.Host.Logging;

/// <summary>
/// Log lines in the shape of the original agent's (tracing's) output:
/// <c>2023-09-18T13:13:26.526907Z INFO Corrosion.Host.Cli.AgentCommand: Starting Corrosion Agent v0.1.0</c>,
/// or one JSON object a line with <c>log.format = "json"</c>. Levels are colored when <c>log.colors</c> is on.
/// </summary>
internal sealed class CorrosionConsoleFormatter : ConsoleFormatter, IDisposable
{
    public const string FormatterName = "corrosion";

    private readonly IDisposable? _reload;
    private CorrosionConsoleFormatterOptions _options;

    public CorrosionConsoleFormatter(IOptionsMonitor<CorrosionConsoleFormatterOptions> options)
        : base(FormatterName)
    {
        _options = options.CurrentValue;
        _reload = options.OnChange(o => _options = o);
    }

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        if (IsHostStartupFault(logEntry.Category, logEntry.EventId))
        {
            return;
        }

        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (string.IsNullOrEmpty(message) && logEntry.Exception is null)
        {
            return;
        }

        var timestamp = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
        var level = LevelName(logEntry.LogLevel);
        if (_options.Format == LogFormat.Json)
        {
            WriteJson(textWriter, timestamp, level, logEntry.Category, message, logEntry.Exception);
            return;
        }

        textWriter.Write(timestamp);
        textWriter.Write(' ');
        if (_options.Colors)
        {
            textWriter.Write(LevelColor(logEntry.LogLevel));
            textWriter.Write(level);
            textWriter.Write("\u001b[0m");
        }
        else
        {
            textWriter.Write(level);
        }

        textWriter.Write(' ');
        textWriter.Write(logEntry.Category);
        textWriter.Write(": ");
        textWriter.Write(message);
        if (logEntry.Exception is not null)
        {
            textWriter.Write(' ');
            textWriter.Write(logEntry.Exception.ToString());
        }

        textWriter.Write('\n');
    }

    public void Dispose() => _reload?.Dispose();

    internal static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace => "TRACE",
        LogLevel.Debug => "DEBUG",
        LogLevel.Information => "INFO",
        LogLevel.Warning => "WARN",
        _ => "ERROR",
    };

    private static string LevelColor(LogLevel level) => level switch
    {
        LogLevel.Trace => "\u001b[35m",
        LogLevel.Debug => "\u001b[34m",
        LogLevel.Information => "\u001b[32m",
        LogLevel.Warning => "\u001b[33m",
        _ => "\u001b[31m",
    };

    private static void WriteJson(TextWriter textWriter, string timestamp, string level, string category, string message, Exception? exception)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("timestamp", timestamp);
            writer.WriteString("level", level);
            writer.WriteStartObject("fields");
            writer.WriteString("message", message);
            if (exception is not null)
            {
                writer.WriteString("exception", exception.ToString());
            }

            writer.WriteEndObject();
            writer.WriteString("target", category);
            writer.WriteEndObject();
        }

        textWriter.Write(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
        textWriter.Write('\n');
    }

    /// <summary>
    /// The generic host's "Hosting failed to start" entry, with the exception's stack trace. The agent reports a
    /// failed start itself, once (a log line naming the reason, and <c>corrosion agent: &lt;reason&gt;</c> on stderr).
    /// </summary>
    internal static bool IsHostStartupFault(string category, EventId eventId) =>
        eventId.Name == "HostedServiceStartupFaulted"
        && string.Equals(category, "Microsoft.Extensions.Hosting.Internal.Host", StringComparison.Ordinal);
}
