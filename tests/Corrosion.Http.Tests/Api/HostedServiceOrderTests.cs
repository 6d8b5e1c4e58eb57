using Corrosion.Subscriptions;
using Corrosion.TestKit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Corrosion.Http.Tests.Api;

/// <summary>
/// An app's own hosted services use <see cref="ICorrosionNode"/> in StartAsync and StopAsync whatever order they were
/// registered in: the node opens before every other hosted service starts and closes after they have all stopped.
/// </summary>
public sealed class HostedServiceOrderTests
{
    [Fact]
    public async Task A_hosted_service_registered_before_AddCorrosion_can_use_the_node_when_it_starts_and_stops()
    {
        using var directory = new TempDirectory();
        File.WriteAllText(Path.Combine(directory.Path, "todos.sql"), "CREATE TABLE todos (id INTEGER NOT NULL PRIMARY KEY, title TEXT NOT NULL DEFAULT '');");
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<EarlyService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<EarlyService>());
        builder.Services.AddCorrosion(o =>
        {
            o.DatabasePath = Path.Combine(directory.Path, "state.db");
            o.SchemaPaths = [directory.Path];
        }).AddHttpApi();
        var app = builder.Build();
        app.MapCorrosion();
        var early = app.Services.GetRequiredService<EarlyService>();

        await app.StartAsync();
        early.StartedWith.Should().BeOfType<SubscriptionEvent.Columns>("the node was open when the service started");
        await app.StopAsync();
        await app.DisposeAsync();

        early.StopFailure.Should().BeNull("the node was still open when the service stopped");
        early.StoppedWithVersion.Should().Be(2);
    }

    private sealed class EarlyService(ICorrosionNode node) : IHostedService
    {
        public SubscriptionEvent? StartedWith { get; private set; }

        public long? StoppedWithVersion { get; private set; }

        public Exception? StopFailure { get; private set; }

        public async Task StartAsync(CancellationToken cancellationToken)
        {
            await node.ExecuteAsync(["INSERT INTO todos (id, title) VALUES (1, 'at start')"], cancellationToken);
            await using var live = await node.SubscribeAsync("SELECT id, title FROM todos", cancellationToken: cancellationToken);
            await foreach (var e in live.WithCancellation(cancellationToken))
            {
                StartedWith = e;
                break;
            }
        }

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            try
            {
                StoppedWithVersion = (await node.ExecuteAsync(["INSERT INTO todos (id, title) VALUES (2, 'at stop')"], cancellationToken)).Version;
            }
            catch (Exception ex)
            {
                StopFailure = ex;
            }
        }
    }
}
