using Microsoft.Extensions.Logging;

namespace Corrosion.Host.Logging;

/// <summary>
/// The agent's log filter from <c>CORROSION_LOG</c>, else <c>RUST_LOG</c> (the original's variable, as in the spec's
/// Fly.io example): comma-separated directives, each a level (<c>debug</c>: the default level) or
/// <c>category=level</c> (<c>Corrosion.Gossip=debug</c>: that .NET logger category and those under it).
/// Levels: <c>trace</c>, <c>debug</c>, <c>info</c>, <c>warn</c>, <c>error</c>, <c>off</c>.
/// </summary>
internal sealed record LogFilter(LogLevel? Default, IReadOnlyList<(string Category, LogLevel Level)> Categories)
{
    public static string? FromEnvironment() =>
        Environment.GetEnvironmentVariable("CORROSION_LOG") is { Length: > 0 } ours ? ours : Environment.GetEnvironmentVariable("RUST_LOG");

    /// <summary>Parses the directives; on a bad one, returns false with a message naming it.</summary>
    public static bool TryParse(string text, out LogFilter filter, out string? error)
    {
        LogLevel? defaultLevel = null;
        var categories = new List<(string, LogLevel)>();
        filter = new LogFilter(null, categories);
        error = null;
        foreach (var raw in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = raw.IndexOf('=', StringComparison.Ordinal);
            var levelText = equals < 0 ? raw : raw[(equals + 1)..];
            if (!TryLevel(levelText, out var level))
            {
                error = $"'{raw}': '{levelText}' is not a level (trace, debug, info, warn, error, off)";
                return false;
            }

            if (equals < 0)
            {
                defaultLevel = level;
            }
            else if (equals == 0)
            {
                error = $"'{raw}': the category before '=' is empty";
                return false;
            }
            else
            {
                categories.Add((raw[..equals], level));
            }
        }

        filter = new LogFilter(defaultLevel, categories);
        return true;
    }

    private static bool TryLevel(string text, out LogLevel level)
    {
        switch (text.ToLowerInvariant())
        {
            case "trace": level = LogLevel.Trace; return true;
            case "debug": level = LogLevel.Debug; return true;
            case "info": level = LogLevel.Information; return true;
            case "warn": level = LogLevel.Warning; return true;
            case "error": level = LogLevel.Error; return true;
            case "off": level = LogLevel.None; return true;
            default: level = LogLevel.None; return false;
        }
    }
}
