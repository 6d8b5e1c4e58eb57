using Corrosion.Host.Config;
using Corrosion.Host.Logging;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Corrosion.Host.Cli;

/// <summary>Logs the agent's first start-up lines (version, config in use) before any other service starts.</summary>
internal sealed class AgentStartup : IHostedLifecycleService
{
    private readonly LoadedConfig _loaded;
    private readonly ILogger _logger;

    public AgentStartup(LoadedConfig loaded, ILoggerFactory loggerFactory)
    {
        _loaded = loaded;
        _logger = loggerFactory.CreateLogger("Corrosion.Host.Agent");
    }

    public Task StartingAsync(CancellationToken cancellationToken)
    {
        Log.StartingAgent(_logger, CorrosionCli.Version);
        if (_loaded.IsEmbeddedDefault)
        {
            Log.DefaultConfigInUse(_logger, ConfigLoader.DefaultPath, Path.GetDirectoryName(_loaded.Config.Db.Path) ?? _loaded.Config.Db.Path);
        }
        else
        {
            Log.UsingConfig(_logger, _loaded.Source);
        }

        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
