using System.CommandLine;
using Corrosion.Host.Config;

namespace Corrosion.Host.Cli;

/// <summary>The options every command takes: <c>-c/--config</c>, <c>--api-addr</c>, <c>--db-path</c>, <c>--admin-path</c>.</summary>
internal sealed class GlobalOptions
{
    public Option<string?> Config { get; } = new("--config", "-c")
    {
        Description = $"Set the config file path [default: {ConfigLoader.DefaultPath}]",
        HelpName = "CONFIG_PATH",
        Recursive = true,
    };

    public Option<string?> ApiAddr { get; } = new("--api-addr")
    {
        Description = "The API address (overrides api.addr)",
        HelpName = "API_ADDR",
        Recursive = true,
    };

    public Option<string?> DbPath { get; } = new("--db-path")
    {
        Description = "The database path (overrides db.path)",
        HelpName = "DB_PATH",
        Recursive = true,
    };

    public Option<string?> AdminPath { get; } = new("--admin-path")
    {
        Description = "The admin socket path (overrides admin.path)",
        HelpName = "ADMIN_PATH",
        Recursive = true,
    };

    public void AddTo(Command command)
    {
        command.Add(Config);
        command.Add(ApiAddr);
        command.Add(DbPath);
        command.Add(AdminPath);
    }

    public ConfigOverrides Overrides(ParseResult result) =>
        new(result.GetValue(ApiAddr), result.GetValue(DbPath), result.GetValue(AdminPath));
}
