using System.Text.Json;
using Corrosion.Host.Config;
using Corrosion.Host.Logging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Corrosion.Host.Tests.Logging;

public sealed class CorrosionConsoleFormatterTests
{
    private static string Format(CorrosionConsoleFormatterOptions options, LogLevel level, string message, Exception? exception = null)
    {
        using var formatter = new CorrosionConsoleFormatter(new StaticMonitor(options));
        using var writer = new StringWriter();
        formatter.Write(new LogEntry<string>(level, "Corrosion.Host.Agent", new EventId(4000), message, exception, (s, _) => s), null, writer);
        return writer.ToString();
    }

    [Fact]
    public void Plaintext_lines_look_like_the_original_agent_s()
    {
        var line = Format(new() { Colors = false }, LogLevel.Information, "Starting Corrosion Agent v0.1.0");

        line.Should().MatchRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z INFO Corrosion\.Host\.Agent: Starting Corrosion Agent v0\.1\.0\n$");
    }

    [Theory]
    [InlineData(LogLevel.Warning, "WARN", "\u001b[33m")]
    [InlineData(LogLevel.Error, "ERROR", "\u001b[31m")]
    [InlineData(LogLevel.Debug, "DEBUG", "\u001b[34m")]
    public void Colors_wrap_the_level(LogLevel level, string name, string color)
    {
        Format(new() { Colors = true }, level, "m").Should().Contain($" {color}{name}\u001b[0m Corrosion.Host.Agent: m\n");
        Format(new() { Colors = false }, level, "m").Should().Contain($" {name} Corrosion.Host.Agent: m\n");
    }

    [Fact]
    public void Json_lines_carry_timestamp_level_message_and_target()
    {
        var line = Format(new() { Format = LogFormat.Json }, LogLevel.Warning, "careful \"now\"", new InvalidOperationException("boom"));

        line.Should().EndWith("\n").And.NotContain("\u001b");
        using var json = JsonDocument.Parse(line);
        json.RootElement.GetProperty("level").GetString().Should().Be("WARN");
        json.RootElement.GetProperty("target").GetString().Should().Be("Corrosion.Host.Agent");
        json.RootElement.GetProperty("fields").GetProperty("message").GetString().Should().Be("careful \"now\"");
        json.RootElement.GetProperty("fields").GetProperty("exception").GetString().Should().Contain("boom");
        json.RootElement.GetProperty("timestamp").GetString().Should().MatchRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$");
    }

    private sealed class StaticMonitor(CorrosionConsoleFormatterOptions value) : IOptionsMonitor<CorrosionConsoleFormatterOptions>
    {
        public CorrosionConsoleFormatterOptions CurrentValue => value;

        public CorrosionConsoleFormatterOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<CorrosionConsoleFormatterOptions, string?> listener) => null;
    }
}
