using System.Text;
using Corrosion.Host.Cli;

namespace Corrosion.Host.Tests;

/// <summary>Runs the CLI in-process with captured output; the default config path points into the temp dir.</summary>
internal static class CliRunner
{
    public static Task<(int ExitCode, string Out, string Err)> RunAsync(TempDir dir, params string[] args) =>
        RunWithDefaultConfigAsync(dir.Combine("no-such-config.toml"), args);

    /// <summary>Runs with <paramref name="defaultConfigPath"/> standing for <c>/etc/corrosion/config.toml</c>.</summary>
    public static async Task<(int ExitCode, string Out, string Err)> RunWithDefaultConfigAsync(string defaultConfigPath, params string[] args)
    {
        using var stdout = new MemoryStream();
        using var stderr = new StringWriter();
        var context = new CliContext(new CliConsole(stdout, stderr), defaultConfigPath);
        var code = await CorrosionCli.RunAsync(args, context);
        return (code, Encoding.UTF8.GetString(stdout.ToArray()), stderr.ToString());
    }
}
