using System.CommandLine;
using System.Reflection;

namespace Corrosion.Host.Cli;

/// <summary>The <c>corrosion</c> command line: global options and every subcommand.</summary>
internal static class CorrosionCli
{
    public static RootCommand Build(CliContext context)
    {
        var root = new RootCommand("Corrosion: replicated SQLite with CRDTs (cr-sqlite)");
        context.Global.AddTo(root);
        root.Add(AgentCommand.Create(context));
        root.Add(BackupCommands.Backup(context));
        root.Add(BackupCommands.Restore(context));
        root.Add(QueryCommand.Create(context));
        root.Add(ExecCommand.Create(context));
        root.Add(AdminCliCommands.Reload(context));
        root.Add(TemplateCommand.Create(context));
        root.Add(AdminCliCommands.Cluster(context));
        root.Add(AdminCliCommands.Actor(context));
        root.Add(AdminCliCommands.Sync(context));
        root.Add(AdminCliCommands.Subs(context));
        root.Add(AdminCliCommands.Locks(context));
        root.Add(TlsCommands.Create(context));
        return root;
    }

    /// <summary>Parses and runs; returns the exit code.</summary>
    public static async Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken = default)
    {
        var root = Build(context);
        var parse = root.Parse(args);
        var invocation = new InvocationConfiguration
        {
            // The agent's host handles Ctrl-C/SIGTERM itself (graceful stop); other commands just end.
            ProcessTerminationTimeout = null,
            Error = context.Console.Error,
            Output = new StreamWriter(context.Console.StdOut) { AutoFlush = true },
        };
        return await parse.InvokeAsync(invocation, cancellationToken);
    }

    /// <summary>The version shown in logs: the informational version without the commit suffix.</summary>
    public static string Version
    {
        get
        {
            var informational = typeof(CorrosionCli).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
            var plus = informational.IndexOf('+', StringComparison.Ordinal);
            return plus < 0 ? informational : informational[..plus];
        }
    }
}
