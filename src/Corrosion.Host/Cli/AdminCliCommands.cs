using System.CommandLine;
using System.Text.Json;
using Corrosion.Host.Admin;
using Corrosion.Host.Config;

namespace Corrosion.Host.Cli;

/// <summary>Commands that talk to a running agent over its admin socket: <c>reload</c>, <c>cluster members</c>, <c>actor id</c>, <c>sync generate</c>, <c>subs list|info</c>, <c>locks</c>.</summary>
internal static class AdminCliCommands
{
    public static Command Reload(CliContext context)
    {
        var command = new Command("reload", "Reload the config's schema files (db.schema_paths of the -c config, applied by the running agent over the admin socket)");
        command.SetAction((result, ct) => RunAsync(context, result, "reload", ReloadRequest, (console, ok) =>
        {
            foreach (var message in Strings(ok, "messages"))
            {
                console.WriteLine(message);
            }

            console.WriteLine($"Reloaded schema: {Strings(ok, "created_tables").Count()} table(s) created, {Strings(ok, "altered_tables").Count()} altered");
        }, ct));
        return command;
    }

    public static Command Cluster(CliContext context)
    {
        var members = new Command("members", "List the cluster's members (as JSON, one a line)");
        members.SetAction((result, ct) => RunAsync(context, result, "cluster members", AdminCommands.ClusterMembers, (console, ok) =>
        {
            foreach (var member in ok.EnumerateArray())
            {
                console.WriteLine(member.GetRawText());
            }
        }, ct));
        return new Command("cluster", "Cluster commands (admin socket)") { members };
    }

    public static Command Locks(CliContext context)
    {
        var top = CliValues.Count("--top", "Show at most this many (the holder first, then the longest waiting)", 10);
        var command = new Command("locks", "Show who holds the node's writer and who waits for it, and for how long (as JSON, one a line)") { top };
        command.SetAction((result, ct) => RunAsync(context, result, "locks", AdminCommands.Locks, (console, ok) =>
        {
            foreach (var writerLock in ok.EnumerateArray().Take(Math.Max(0, result.GetValue(top))))
            {
                console.WriteLine(writerLock.GetRawText());
            }
        }, ct));
        return command;
    }

    public static Command Actor(CliContext context)
    {
        var id = new Command("id", "Print this node's actor id");
        id.SetAction((result, ct) => RunAsync(context, result, "actor id", AdminCommands.ActorId, (console, ok) => console.WriteLine(ok.GetString()!), ct));
        return new Command("actor", "Actor commands (admin socket)") { id };
    }

    public static Command Sync(CliContext context)
    {
        var generate = new Command("generate", "Print this node's sync state (versions held and missing, per actor) as JSON");
        generate.SetAction((result, ct) => RunAsync(context, result, "sync generate", AdminCommands.SyncState, (console, ok) =>
            console.WriteLine(JsonSerializer.Serialize(ok, JsonOptions)), ct));
        return new Command("sync", "Sync commands (admin socket)") { generate };
    }

    public static Command Subs(CliContext context)
    {
        var list = new Command("list", "List the live subscriptions (as JSON, one a line)");
        list.SetAction((result, ct) => RunAsync(context, result, "subs list", AdminCommands.SubsList, (console, ok) =>
        {
            foreach (var subscription in ok.EnumerateArray())
            {
                console.WriteLine(subscription.GetRawText());
            }
        }, ct));

        var id = new Option<string>("--id") { Description = "The subscription's id (its corro-query-id)", Required = true };
        var info = new Command("info", "Show one subscription (as indented JSON)") { id };
        info.SetAction((result, ct) =>
        {
            var text = result.GetValue(id)!;
            if (!Guid.TryParse(text, out var wanted))
            {
                context.Console.Fail("subs info", $"--id: '{text}' is not a UUID");
                return Task.FromResult(ExitCodes.Error);
            }

            return RunAsync(context, result, "subs info", AdminCommands.SubsList, (console, ok) => PrintSubscription(console, ok, wanted), ct);
        });
        return new Command("subs", "Subscription commands (admin socket)") { list, info };
    }

    private static void PrintSubscription(CliConsole console, JsonElement ok, Guid wanted)
    {
        var match = ok.EnumerateArray().FirstOrDefault(s => s.GetProperty("id").GetGuid() == wanted);
        if (match.ValueKind == JsonValueKind.Undefined)
        {
            throw new AdminException($"no subscription with id {wanted}");
        }

        console.WriteLine(JsonSerializer.Serialize(match, JsonOptions));
    }

    /// <summary>
    /// As the original's <c>reload</c> does, the schema comes from the <c>db.schema_paths</c> of the config file this
    /// command reads (made absolute against the current directory), so an edited config's new paths are picked up.
    /// Without a config file (the built-in default serves, or none could be read) the agent re-reads its own
    /// configured paths.
    /// </summary>
    private static AdminRequest ReloadRequest(LoadedConfig? loaded) =>
        loaded is null || loaded.IsEmbeddedDefault
            ? new(AdminCommands.Reload)
            : new(AdminCommands.Reload, [.. loaded.Config.Db.SchemaPaths.Select(p => Path.GetFullPath(p))]);

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, Encoder = AdminJsonWriting.WriterOptions.Encoder };

    private static IEnumerable<string> Strings(JsonElement ok, string name) =>
        ok.ValueKind == JsonValueKind.Object && ok.TryGetProperty(name, out var array) && array.ValueKind == JsonValueKind.Array
            ? array.EnumerateArray().Select(e => e.GetString() ?? string.Empty)
            : [];

    private static Task<int> RunAsync(CliContext context, ParseResult result, string name, string adminCommand, Action<CliConsole, JsonElement> print, CancellationToken cancellationToken) =>
        RunAsync(context, result, name, _ => new AdminRequest(adminCommand), print, cancellationToken);

    /// <param name="request">The request, given the config (null when none could be loaded but --admin-path says where to go).</param>
    private static async Task<int> RunAsync(CliContext context, ParseResult result, string name, Func<LoadedConfig?, AdminRequest> request, Action<CliConsole, JsonElement> print, CancellationToken cancellationToken)
    {
        string path;
        AdminRequest adminRequest;
        try
        {
            var loaded = context.LoadConfig(result);
            path = loaded.Config.Admin.Path;
            adminRequest = request(loaded);
        }
        catch (ConfigException ex)
        {
            // As the original: --admin-path is all an admin command needs, so a default config that cannot be read
            // or is invalid is passed over. A file named with -c is what the user asked for: its errors stand.
            if (result.GetValue(context.Global.AdminPath) is { Length: > 0 } adminPath && result.GetValue(context.Global.Config) is null)
            {
                path = adminPath;
                adminRequest = request(null);
            }
            else
            {
                context.Console.Fail(name, ex.Message);
                return ExitCodes.Error;
            }
        }

        try
        {
            var ok = await AdminClient.SendAsync(path, adminRequest, cancellationToken);
            print(context.Console, ok);
            return ExitCodes.Ok;
        }
        catch (AdminException ex)
        {
            context.Console.Fail(name, ex.Message);
        }
        catch (IOException ex)
        {
            context.Console.Fail(name, $"admin socket {path}: {ex.Message}");
        }

        return ExitCodes.Error;
    }
}
