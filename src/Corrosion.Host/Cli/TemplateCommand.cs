using System.CommandLine;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using Corrosion.Host.Config;
using Corrosion.Host.Logging;
using Corrosion.Host.Templates;
using Corrosion.Templates;
using Microsoft.Extensions.Logging;

namespace Corrosion.Host.Cli;

/// <summary>
/// <c>corrosion template [-o|--once] "src.rhai:dest[:cmd]"...</c>: renders each template to its destination with data
/// from the agent's API, runs <c>cmd</c> after each render, and (without <c>--once</c>) re-renders whenever the
/// results of the queries a template ran change.
/// </summary>
internal static class TemplateCommand
{
    public static Command Create(CliContext context)
    {
        var templates = new Argument<string[]>("TEMPLATE") { Arity = ArgumentArity.ZeroOrMore, Description = "src.rhai:dest[:cmd]" };
        var once = new Option<bool>("--once", "-o") { Description = "Render once and exit" };
        var command = new Command("template", "Render templates from Corrosion data, re-rendering on changes") { templates, once };
        command.SetAction((result, cancellationToken) => RunAsync(context, result, result.GetValue(templates) ?? [], result.GetValue(once), cancellationToken));
        return command;
    }

    /// <summary>Splits <c>src:dest[:cmd]</c>; the command may itself contain ':'.</summary>
    internal static bool TryParseSpec(string spec, out (string Source, string Destination, string? Command) parsed, out string error)
    {
        var parts = spec.Split(':', 3);
        parsed = default;
        error = string.Empty;
        if (parts.Length < 2 || parts[0].Length == 0 || parts[1].Length == 0)
        {
            error = $"'{spec}' is not src.rhai:dest[:cmd]";
            return false;
        }

        parsed = (parts[0], parts[1], parts.Length == 3 && parts[2].Trim().Length > 0 ? parts[2] : null);
        return true;
    }

    private static async Task<int> RunAsync(CliContext context, ParseResult result, string[] specs, bool once, CancellationToken cancellationToken)
    {
        var console = context.Console;
        if (specs.Length == 0)
        {
            console.Fail("template", "give at least one template as src.rhai:dest[:cmd]");
            return ExitCodes.Error;
        }

        var jobs = new List<TemplateRendererOptions>();
        foreach (var spec in specs)
        {
            if (!TryParseSpec(spec, out var parsed, out var error))
            {
                console.Fail("template", error);
                return ExitCodes.Error;
            }

            if (!File.Exists(parsed.Source))
            {
                console.Fail("template", $"template file {parsed.Source} does not exist");
                return ExitCodes.Error;
            }

            jobs.Add(new TemplateRendererOptions { SourcePath = parsed.Source, DestinationPath = parsed.Destination, Command = parsed.Command, Once = once });
        }

        if (!ApiTarget.TryResolve(context, result, "template", out var target))
        {
            return ExitCodes.Error;
        }

        var logConfig = context.LoadConfig(result).Config.Log;
        using var loggerFactory = LoggerFactory.Create(logging => LoggingSetup.Configure(logging, logConfig));
        using var http = new HttpClient { BaseAddress = new Uri($"http://{Addresses.ForConnecting(target.Addr)}/"), Timeout = Timeout.InfiniteTimeSpan };
        if (target.BearerToken is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", target.BearerToken);
        }

        // Ctrl-C and SIGTERM stop watching cleanly (no render is cut off between its temp file and the rename).
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

        var source = new SubscriptionQuerySource(http, loggerFactory.CreateLogger("Corrosion.Host.Cli.TemplateCommand"));
        await using (source.ConfigureAwait(false))
        {
            var renderers = jobs.Select(job => new TemplateRenderer(source, job, loggerFactory.CreateLogger<TemplateRenderer>())).ToArray();
            var runs = renderers.Select(r => r.RunAsync(stop.Token)).ToArray();
            try
            {
                await Task.WhenAll(runs).ConfigureAwait(false);
            }
            catch (TemplateException)
            {
                // Reported below, once per failed template.
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // Ctrl-C during --once: whatever rendered is in place; the rest is reported below as not done.
            }

            var failed = false;
            for (var i = 0; i < runs.Length; i++)
            {
                if (runs[i].IsFaulted)
                {
                    failed = true;
                    console.Fail("template", runs[i].Exception!.InnerException is TemplateException tex ? tex.Message : runs[i].Exception!.InnerException!.ToString());
                }
                else if (runs[i].IsCanceled && once)
                {
                    failed = true;
                    console.Fail("template", $"interrupted before {jobs[i].DestinationPath} was rendered");
                }
            }

            return failed ? ExitCodes.Error : ExitCodes.Ok;
        }

        void Stop(PosixSignalContext signal)
        {
            signal.Cancel = true;
            stop.Cancel();
        }
    }
}
