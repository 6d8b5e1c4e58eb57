using System.CommandLine;
using Corrosion.Backup;
using Corrosion.Host.Admin;
using Corrosion.Host.Config;

namespace Corrosion.Host.Cli;

/// <summary>
/// <c>corrosion backup &lt;PATH&gt;</c> and <c>corrosion restore &lt;PATH&gt; [--self-actor-id | --actor-id ID]</c>,
/// on the database file named by <c>db.path</c> (or <c>--db-path</c>). See docs/backup-restore.md.
/// </summary>
internal static class BackupCommands
{
    public static Command Backup(CliContext context)
    {
        var path = new Argument<string>("PATH") { Description = "Where to write the backup (must not exist)" };
        var command = new Command("backup", "Backup the Corrosion DB") { path };
        command.SetAction((result, cancellationToken) => BackupAsync(context, result, result.GetValue(path)!, cancellationToken));
        return command;
    }

    public static Command Restore(CliContext context)
    {
        var path = new Argument<string>("PATH") { Description = "A backup made by corrosion backup" };
        var self = new Option<bool>("--self-actor-id") { Description = "Keep this node's current actor id: its changes in the backup become local again" };
        var actor = new Option<string?>("--actor-id") { Description = "Take this actor id (UUID) as this node's: its changes in the backup become local", HelpName = "ACTOR_ID" };
        var command = new Command("restore", "Restore the Corrosion DB from a backup") { path, self, actor };
        command.SetAction((result, cancellationToken) =>
            RestoreAsync(context, result, result.GetValue(path)!, result.GetValue(self), result.GetValue(actor), cancellationToken));
        return command;
    }

    private static async Task<int> BackupAsync(CliContext context, ParseResult result, string path, CancellationToken cancellationToken)
    {
        var console = context.Console;
        try
        {
            var config = context.LoadConfig(result).Config;
            var backup = await CorrosionBackup.CreateAsync(config.Db.Path, path, cancellationToken);
            console.WriteLine($"Successfully cleaned for restoration and backed up database to {backup.Path}");
            return ExitCodes.Ok;
        }
        catch (Exception ex) when (ex is ConfigException or CorrosionException)
        {
            console.Fail("backup", ex.Message);
            return ExitCodes.Error;
        }
    }

    private static async Task<int> RestoreAsync(CliContext context, ParseResult result, string path, bool self, string? actorText, CancellationToken cancellationToken)
    {
        var console = context.Console;
        ActorId? actor = null;
        if (actorText is not null)
        {
            if (self)
            {
                console.Fail("restore", "use either --self-actor-id or --actor-id, not both");
                return ExitCodes.Error;
            }

            if (!ActorId.TryParse(actorText, out var parsed))
            {
                console.Fail("restore", $"--actor-id: '{actorText}' is not a UUID");
                return ExitCodes.Error;
            }

            actor = parsed;
        }

        try
        {
            var config = context.LoadConfig(result).Config;
            if (await IsAgentRunningAsync(config.Admin.Path, cancellationToken))
            {
                console.Fail("restore", $"corrosion is currently running (its admin socket {config.Admin.Path} answers), shut it down before restoring");
                return ExitCodes.Error;
            }

            var options = new RestoreOptions { KeepSelfActorId = self, ActorId = actor, SubscriptionsPath = config.Db.SubscriptionsPath };
            var restored = await CorrosionBackup.RestoreAsync(path, config.Db.Path, options, cancellationToken);
            var who = restored.ActorId is { } id ? $"actor id {id.ToUuidString()}" : "a new actor id on next start";
            console.WriteLine($"Successfully restored {Path.GetFullPath(config.Db.Path)} from {Path.GetFullPath(path)} ({who}); old size: {restored.OldLength}, new size: {restored.NewLength}");
            return ExitCodes.Ok;
        }
        catch (Exception ex) when (ex is ConfigException or CorrosionException)
        {
            console.Fail("restore", ex.Message);
            return ExitCodes.Error;
        }
    }

    /// <summary>True if something answers a ping on the admin socket (the original's check before restoring).</summary>
    private static async Task<bool> IsAgentRunningAsync(string socketPath, CancellationToken cancellationToken)
    {
        try
        {
            await AdminClient.SendAsync(socketPath, AdminCommands.Ping, cancellationToken);
            return true;
        }
        catch (AdminException)
        {
            return File.Exists(socketPath) && await CanConnectAsync(socketPath, cancellationToken);
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static async Task<bool> CanConnectAsync(string socketPath, CancellationToken cancellationToken)
    {
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new System.Net.Sockets.UnixDomainSocketEndPoint(socketPath), cancellationToken);
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }
}
