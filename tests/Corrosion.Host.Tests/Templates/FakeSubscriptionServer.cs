using System.Net;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Corrosion.Host.Tests.Templates;

/// <summary>
/// Kestrel on 127.0.0.1:0 that plays the agent's <c>/v1/subscriptions</c>: each request becomes a
/// <see cref="Connection"/> the test takes with <see cref="NextAsync"/> and drives event by event (send a line,
/// drop the connection). <see cref="Reject"/> answers requests with an error instead.
/// </summary>
internal sealed class FakeSubscriptionServer : IAsyncDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private readonly WebApplication _app;
    private readonly Channel<Connection> _connections = Channel.CreateUnbounded<Connection>();
    private int _ids;

    private FakeSubscriptionServer(WebApplication app)
    {
        _app = app;
    }

    public string Address { get; private set; } = string.Empty;

    /// <summary>Answers a request with (status, body) instead of a stream, when it returns non-null.</summary>
    public Func<string, string, (int Status, string Body)?>? Reject { get; set; }

    public static async Task<FakeSubscriptionServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new FakeSubscriptionServer(app);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        server.Address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Authority;
        return server;
    }

    /// <summary>Connections made but not taken with <see cref="NextAsync"/> yet.</summary>
    public int Pending => _connections.Reader.Count;

    public async Task<Connection> NextAsync()
    {
        using var timeout = new CancellationTokenSource(Deadline);
        return await _connections.Reader.ReadAsync(timeout.Token);
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync();
        var target = context.Request.Path + context.Request.QueryString;
        if (Reject?.Invoke(target, body) is { } rejection)
        {
            context.Response.StatusCode = rejection.Status;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(rejection.Body);
            return;
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/x-ndjson";
        var id = context.Request.Method == "POST" ? $"query-{Interlocked.Increment(ref _ids)}" : context.Request.Path.Value!.Split('/')[^1];
        context.Response.Headers["corro-query-id"] = id;
        await context.Response.Body.FlushAsync();
        var connection = new Connection(context, context.Request.Method, target, body, context.Request.Headers.Authorization.ToString());
        await _connections.Writer.WriteAsync(connection);
        try
        {
            await connection.Done.WaitAsync(context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            // The client went away.
            connection.End();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    internal sealed class Connection(HttpContext context, string method, string target, string body, string authorization)
    {
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Method { get; } = method;

        public string Target { get; } = target;

        public string Body { get; } = body;

        public string Authorization { get; } = authorization;

        public Task Done => _done.Task;

        public async Task SendAsync(params string[] lines)
        {
            foreach (var line in lines)
            {
                await context.Response.WriteAsync(line + "\n");
            }

            await context.Response.Body.FlushAsync();
        }

        /// <summary>Breaks the connection mid-stream, as a crashed agent or a network fault would.</summary>
        public void Drop()
        {
            context.Abort();
            _done.TrySetResult();
        }

        /// <summary>Ends the response normally (the client sees the stream end); also set when the client disconnects.</summary>
        public void End() => _done.TrySetResult();
    }
}
