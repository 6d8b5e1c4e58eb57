using Corrosion.Subscriptions;
using Corrosion.TestKit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Corrosion.Http.Tests.Api;

/// <summary>
/// An app that embeds the node and streams an in-process subscription (or table watch) from its own endpoint, with
/// no shutdown handling of its own: the library ends the stream when the host begins to stop, so the server's
/// graceful stop does not wait for it until the shutdown timeout.
/// </summary>
public sealed class AppStreamShutdownTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    private readonly TempDirectory _directory = new("corrosion-app-stream");
    private readonly TaskCompletionSource<string> _endpointOutcome = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private WebApplication _app = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        File.WriteAllText(Path.Combine(_directory.Path, "todos.sql"), "CREATE TABLE todos (id INTEGER NOT NULL PRIMARY KEY, title TEXT NOT NULL DEFAULT '');");
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();

        // Longer than the test's deadline: a stream the library does not end holds the stop this long.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        builder.Services.AddCorrosion(o =>
        {
            o.DatabasePath = Path.Combine(_directory.Path, "state.db");
            o.SchemaPaths = [_directory.Path];
        });
        _app = builder.Build();

        // What an app writes: the request's token only, nothing about the host stopping.
        _app.MapGet("/live", async (ICorrosionNode node, HttpResponse response, CancellationToken requestAborted) =>
        {
            try
            {
                await using var live = await node.SubscribeAsync("SELECT id, title FROM todos", cancellationToken: requestAborted);
                await foreach (var e in live.WithCancellation(requestAborted))
                {
                    await response.WriteAsync(e.GetType().Name + "\n", requestAborted);
                    await response.Body.FlushAsync(requestAborted);
                }

                _endpointOutcome.TrySetResult("ended");
            }
            catch (Exception ex)
            {
                _endpointOutcome.TrySetResult(ex.GetType().Name);
                throw;
            }
        });
        _app.MapGet("/watch", async (ICorrosionNode node, HttpResponse response, CancellationToken requestAborted) =>
        {
            using var updates = node.WatchTable("todos");
            await response.WriteAsync("watching\n", requestAborted);
            await response.Body.FlushAsync(requestAborted);
            await foreach (var update in updates.ReadAllAsync(requestAborted))
            {
                await response.WriteAsync(update.Kind + "\n", requestAborted);
                await response.Body.FlushAsync(requestAborted);
            }

            _endpointOutcome.TrySetResult("ended");
        });
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        _client = new HttpClient { BaseAddress = new Uri(address), Timeout = Timeout.InfiniteTimeSpan };
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _app.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task An_app_endpoint_streaming_a_subscription_ends_its_response_promptly_when_the_host_stops()
    {
        var node = _app.Services.GetRequiredService<ICorrosionNode>();
        await node.ExecuteAsync(["INSERT INTO todos (id, title) VALUES (1, 'first')"]);
        using var response = await _client.GetAsync("/live", HttpCompletionOption.ResponseHeadersRead);
        using var lines = new StreamReader(await response.Content.ReadAsStreamAsync());
        (await ReadLinesAsync(lines, 3, "the initial events")).Should().Equal("Columns", "Row", "EndOfQuery");
        await node.ExecuteAsync(["INSERT INTO todos (id, title) VALUES (2, 'second')"]);
        (await ReadLinesAsync(lines, 1, "the live change")).Should().Equal("Change");

        var stop = _app.StopAsync();

        (await WithinDeadlineAsync(lines.ReadLineAsync(), "the end of the app's response after StopAsync")).Should().BeNull("the response ends normally once the host begins to stop");
        (await WithinDeadlineAsync(_endpointOutcome.Task, "the app endpoint's loop to finish")).Should().Be("ended", "the subscription's enumeration finishes without an exception");
        await WithinDeadlineAsync(stop, "StopAsync");
    }

    [Fact]
    public async Task An_app_endpoint_streaming_a_table_watch_ends_its_response_promptly_when_the_host_stops()
    {
        var node = _app.Services.GetRequiredService<ICorrosionNode>();
        using var response = await _client.GetAsync("/watch", HttpCompletionOption.ResponseHeadersRead);
        using var lines = new StreamReader(await response.Content.ReadAsStreamAsync());
        (await ReadLinesAsync(lines, 1, "the watch in place")).Should().Equal("watching");
        await node.ExecuteAsync(["INSERT INTO todos (id, title) VALUES (1, 'first')"]);
        (await ReadLinesAsync(lines, 1, "the update")).Should().Equal("Update");

        var stop = _app.StopAsync();

        (await WithinDeadlineAsync(lines.ReadLineAsync(), "the end of the app's response after StopAsync")).Should().BeNull("the response ends normally once the host begins to stop");
        (await WithinDeadlineAsync(_endpointOutcome.Task, "the app endpoint's loop to finish")).Should().Be("ended");
        await WithinDeadlineAsync(stop, "StopAsync");
    }

    [Fact]
    public async Task ApplicationStopping_completes_in_process_subscriptions_while_the_node_still_serves()
    {
        var node = _app.Services.GetRequiredService<ICorrosionNode>();
        await using var enumerated = await node.SubscribeAsync("SELECT id, title FROM todos");
        await using var observed = await node.SubscribeAsync("SELECT title FROM todos");
        var observer = new Observer();
        using var unsubscribe = observed.Subscribe(observer);
        var events = new List<SubscriptionEvent>();
        var reading = Task.Run(async () =>
        {
            await foreach (var e in enumerated)
            {
                events.Add(e);
            }
        });
        await Eventually.UntilAsync(() => observer.Events.Count == 2, Deadline, "the observer's initial events");

        _app.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();

        await WithinDeadlineAsync(reading, "the enumeration to end after StopApplication");
        events.Should().NotContain(e => e is SubscriptionEvent.Error, "ending for a stop is not an error");
        (await WithinDeadlineAsync(observer.Completed.Task, "the observer's OnCompleted after StopApplication")).Should().Be("completed");
        observer.Events.Should().NotContain(e => e is SubscriptionEvent.Error);

        // The node itself stays open until its hosted service stops; a subscription joined now ends after its rows.
        (await NodeQueries.RowsAsync(node, "SELECT count(*) FROM todos")).Should().Equal("0");
        await using var late = await node.SubscribeAsync("SELECT id, title FROM todos");
        var lateEvents = new List<SubscriptionEvent>();
        await foreach (var e in late.WithCancellation(new CancellationTokenSource(Deadline).Token))
        {
            lateEvents.Add(e);
        }

        lateEvents.Select(e => e.GetType().Name).Should().Equal("Columns", "EndOfQuery");
    }

    private static async Task<T> WithinDeadlineAsync<T>(Task<T> task, string what)
    {
        await WithinDeadlineAsync((Task)task, what);
        return await task;
    }

    private static async Task WithinDeadlineAsync(Task task, string what)
    {
        try
        {
            await task.WaitAsync(Deadline);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"timed out after {Deadline.TotalSeconds:0}s waiting for {what} (the host's shutdown timeout is 30 s)", ex);
        }
    }

    private static async Task<List<string>> ReadLinesAsync(StreamReader reader, int count, string what)
    {
        var lines = new List<string>();
        using var deadline = new CancellationTokenSource(Deadline);
        while (lines.Count < count)
        {
            var line = await reader.ReadLineAsync(deadline.Token) ?? throw new InvalidOperationException($"the stream ended while waiting for {what}; read: {string.Join(", ", lines)}");
            lines.Add(line);
        }

        return lines;
    }

    private sealed class Observer : IObserver<SubscriptionEvent>
    {
        public System.Collections.Concurrent.ConcurrentQueue<SubscriptionEvent> Events { get; } = new();

        public TaskCompletionSource<string> Completed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void OnNext(SubscriptionEvent value) => Events.Enqueue(value);

        public void OnCompleted() => Completed.TrySetResult("completed");

        public void OnError(Exception error) => Completed.TrySetResult("error: " + error.Message);
    }
}
