using System.CommandLine;
using Corrosion.Host.Config;

namespace Corrosion.Host.Cli;

/// <summary>What commands share: the console, the global options, and where the default config lives.</summary>
internal sealed class CliContext
{
    public CliContext(CliConsole console, string defaultConfigPath = ConfigLoader.DefaultPath)
    {
        Console = console;
        DefaultConfigPath = defaultConfigPath;
    }

    public CliConsole Console { get; }

    public string DefaultConfigPath { get; }

    public GlobalOptions Global { get; } = new();

    /// <summary>The config for this invocation: the <c>-c</c> file, the default file, or the embedded default.</summary>
    public LoadedConfig LoadConfig(ParseResult result) =>
        ConfigLoader.Load(result.GetValue(Global.Config), Global.Overrides(result), DefaultConfigPath);
}
