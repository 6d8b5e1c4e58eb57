using System.CommandLine;

namespace Corrosion.Host.Cli;

/// <summary>
/// Commands the original CLI has that this version does not implement yet. They parse their documented arguments
/// (so <c>--help</c> is right) and then say so honestly: a message on stderr and exit code 2.
/// </summary>
internal static class NotImplementedCommands
{
    public static Command Backup(CliContext context)
    {
        var path = new Argument<string>("PATH");
        return NotYet(context, new Command("backup", "Backup the Corrosion DB") { path });
    }

    public static Command Restore(CliContext context)
    {
        var path = new Argument<string>("PATH");
        var self = new Option<bool>("--self-actor-id") { Description = "Keep the backup's own actor id as this node's" };
        var actor = new Option<string?>("--actor-id") { Description = "Make this actor id (UUID) this node's", HelpName = "ACTOR_ID" };
        return NotYet(context, new Command("restore", "Restore the Corrosion DB from a backup") { path, self, actor });
    }

    private static Command NotYet(CliContext context, Command command, string? name = null)
    {
        var shown = name ?? command.Name;
        command.SetAction(_ =>
        {
            context.Console.Error.WriteLine($"corrosion {shown}: not implemented yet in this version");
            return ExitCodes.NotImplemented;
        });
        return command;
    }
}
