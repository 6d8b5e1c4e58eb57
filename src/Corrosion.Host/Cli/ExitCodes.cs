namespace Corrosion.Host.Cli;

/// <summary>Process exit codes.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The command failed (bad config, API error, agent unreachable).</summary>
    public const int Error = 1;
}
