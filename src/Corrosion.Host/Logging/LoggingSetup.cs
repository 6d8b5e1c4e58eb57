using Corrosion.Host.Config;
using Microsoft.Extensions.Logging;

namespace Corrosion.Host.Logging;

/// <summary>
/// Configures logging as <c>[log]</c> says: console, Corrosion's line format, info and up unless a
/// <see cref="LogFilter"/> says otherwise.
/// </summary>
internal static class LoggingSetup
{
    public static void Configure(ILoggingBuilder logging, LogConfig config, LogFilter? filter = null)
    {
        logging.ClearProviders();
        logging.SetMinimumLevel(filter?.Default ?? LogLevel.Information);
        logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        foreach (var (category, level) in filter?.Categories ?? [])
        {
            logging.AddFilter(category, level);
        }

        logging.AddConsole(o => o.FormatterName = CorrosionConsoleFormatter.FormatterName);
        logging.AddConsoleFormatter<CorrosionConsoleFormatter, CorrosionConsoleFormatterOptions>(o =>
        {
            o.Format = config.Format;
            o.Colors = config.Colors && !Console.IsOutputRedirected;
        });
    }
}
