using Corrosion.Host.Config;
using Microsoft.Extensions.Logging.Console;

namespace Corrosion.Host.Logging;

/// <summary>Options of <see cref="CorrosionConsoleFormatter"/>: <c>log.format</c> and <c>log.colors</c>.</summary>
internal sealed class CorrosionConsoleFormatterOptions : ConsoleFormatterOptions
{
    public LogFormat Format { get; set; } = LogFormat.Plaintext;

    public bool Colors { get; set; } = true;
}
