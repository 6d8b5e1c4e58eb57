using System.CommandLine;
using Corrosion.Host.Admin;
using Corrosion.Host.Config;
using Corrosion.Host.Logging;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Corrosion.Host.Cli;

/// <summary><c>corrosion agent</c>: runs the node (engine + HTTP API + admin socket) until Ctrl-C or SIGTERM.</summary>
internal static class AgentCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("agent", "Launches the agent");
        command.SetAction((result, cancellationToken) => RunAsync(context, result, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, ParseResult result, CancellationToken cancellationToken)
    {
        LoadedConfig loaded;
        try
        {
            loaded = context.LoadConfig(result);
        }
        catch (ConfigException ex)
        {
            context.Console.Fail("agent", ex.Message);
            return ExitCodes.Error;
        }

        // exec and query read the same file and need no gossip security; only the agent does, and it should say
        // so before it opens the database.
        if (!loaded.Config.Gossip.Plaintext && loaded.Config.Gossip.Tls is null)
        {
            context.Console.Fail("agent", $"config {loaded.Source}: gossip: neither plaintext nor tls is configured; set gossip.plaintext = true or configure [gossip.tls] (cert_file, key_file)");
            return ExitCodes.Error;
        }

        LogFilter? filter = null;
        if (LogFilter.FromEnvironment() is { } directives)
        {
            if (LogFilter.TryParse(directives, out var parsed, out var filterError))
            {
                filter = parsed;
            }
            else
            {
                context.Console.Error.WriteLine($"corrosion agent: log filter (CORROSION_LOG/RUST_LOG) {filterError}; logging at info");
            }
        }

        WebApplication app;
        DatabaseLock databaseLock;
        try
        {
            PrepareDirectories(loaded);
            databaseLock = DatabaseLock.Acquire(loaded.Config.Db.Path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            context.Console.Fail("agent", ex.Message);
            return ExitCodes.Error;
        }

        using var heldUntilStopped = databaseLock;
        try
        {
            app = Build(loaded, filter);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            context.Console.Fail("agent", ex.Message);
            return ExitCodes.Error;
        }

        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Corrosion.Host.Agent");
        try
        {
            await app.RunAsync(cancellationToken);
            Log.AgentStopped(logger);
            return ExitCodes.Ok;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ExitCodes.Ok;
        }
        catch (Exception ex)
        {
            var reason = Describe(ex, loaded.Config);
            if (IsOperatorError(ex))
            {
                // The reason names the key or file to fix; a stack trace would only bury it.
                Log.AgentFailedWithReason(logger, reason);
            }
            else
            {
                Log.AgentFailed(logger, ex);
            }

            context.Console.Fail("agent", reason);
            return ExitCodes.Error;
        }
        finally
        {
            await app.DisposeAsync();
        }
    }

    /// <summary>The agent's web application: Kestrel on every <c>api.addr</c>, the engine, the HTTP API, the admin socket.</summary>
    internal static WebApplication Build(LoadedConfig loaded, LogFilter? filter = null)
    {
        var config = loaded.Config;
        PrepareDirectories(loaded);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = [],
            // Not the working directory: a stray appsettings.json there must not change the agent.
            ContentRootPath = AppContext.BaseDirectory,
        });
        LoggingSetup.Configure(builder.Logging, config.Log, filter);
        var prometheus = config.Telemetry.PrometheusAddr is null ? null : new PrometheusListener();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            foreach (var addr in config.Api.Addrs)
            {
                kestrel.Listen(addr);
            }

            if (config.Telemetry.PrometheusAddr is { } metricsAddr)
            {
                prometheus!.Listen(kestrel, metricsAddr);
            }
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));
        builder.Services.AddSingleton(loaded);
        builder.Services.AddHostedService<AgentStartup>();
        builder.Services.AddCorrosionAgentServices(config);

        var app = builder.Build();
        if (prometheus is not null)
        {
            PrometheusListener.UseOn(app);
        }

        app.MapCorrosionAgent();
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Corrosion.Host.Agent");
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            var metricsAddress = prometheus?.BoundEndPoint is { } bound ? $"http://{bound}" : null;
            foreach (var address in addresses)
            {
                if (!string.Equals(address, metricsAddress, StringComparison.Ordinal))
                {
                    Log.StartingPublicApi(logger, address.Replace("http://", string.Empty, StringComparison.Ordinal));
                }
            }

            prometheus?.LogStarted(logger);
            if (config.Telemetry.OpenTelemetry is { } openTelemetry)
            {
                TracingSetup.LogStarted(app.Services, openTelemetry, logger);
            }
        });
        return app;
    }

    /// <summary>
    /// Failures whose message tells the operator what to fix (a port in use, a schema file or setting that is refused),
    /// as opposed to bugs, whose stack trace is worth logging.
    /// </summary>
    internal static bool IsOperatorError(Exception ex)
    {
        for (var inner = ex; inner is not null; inner = inner.InnerException)
        {
            if (inner is Microsoft.AspNetCore.Connections.AddressInUseException or Corrosion.Gossip.Transport.AddressInUseException
                or SchemaException or Microsoft.Extensions.Options.OptionsValidationException
                or AdminSocketUnavailableException)
            {
                return true;
            }

            if (IsDatabaseOpenFailure(inner))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A start-up failure for the user: a listener that cannot bind is named by its config key.</summary>
    internal static string Describe(Exception ex, CorrosionConfig config)
    {
        for (var inner = ex; inner is not null; inner = inner.InnerException)
        {
            if (IsDatabaseOpenFailure(inner))
            {
                return $"db.path: {inner.Message}";
            }

            if (inner is Microsoft.AspNetCore.Connections.AddressInUseException)
            {
                var listeners = config.Api.Addrs.Select(a => ("api.addr", a))
                    .Concat(config.Telemetry.PrometheusAddr is { } metrics ? [("telemetry.prometheus.addr", metrics)] : []);
                foreach (var (key, addr) in listeners)
                {
                    if (ex.Message.Contains("//" + addr + ":", StringComparison.Ordinal) || ex.Message.Contains("//" + addr + ".", StringComparison.Ordinal)
                        || ex.Message.EndsWith("//" + addr, StringComparison.Ordinal))
                    {
                        return $"{key}: {addr} is already in use (is another agent running? pick another port)";
                    }
                }
            }
        }

        return ex.Message;
    }

    /// <summary>SQLite could not open <c>db.path</c> (a directory, a file that is not a database, no permission).</summary>
    private static bool IsDatabaseOpenFailure(Exception ex) =>
        ex is Corrosion.Storage.SqliteException && ex.Message.StartsWith("cannot open database ", StringComparison.Ordinal);

    private static void PrepareDirectories(LoadedConfig loaded)
    {
        var db = Path.GetDirectoryName(Path.GetFullPath(loaded.Config.Db.Path));
        if (!string.IsNullOrEmpty(db))
        {
            try
            {
                Directory.CreateDirectory(db);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new IOException($"db.path: cannot create the directory {db} for {loaded.Config.Db.Path}: {ex.Message}", ex);
            }
        }

        if (loaded.IsEmbeddedDefault)
        {
            foreach (var schema in loaded.Config.Db.SchemaPaths)
            {
                Directory.CreateDirectory(schema);
            }
        }
    }
}
