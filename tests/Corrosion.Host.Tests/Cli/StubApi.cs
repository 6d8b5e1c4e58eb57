using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Corrosion.Host.Tests.Cli;

/// <summary>
/// A real Kestrel on 127.0.0.1:0 that records what the CLI sends and answers with canned responses. Tests the CLI's
/// side of the HTTP contract (request shape, output formatting, error handling) independently of the real API.
/// </summary>
internal sealed class StubApi : IAsyncDisposable
{
    private readonly WebApplication _app;

    private StubApi(WebApplication app)
    {
        _app = app;
    }

    public List<(string Path, string Body, string? Authorization)> Requests { get; } = [];

    public string Address { get; private set; } = string.Empty;

    public static async Task<StubApi> StartAsync(Func<HttpContext, string, Task> respond)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var stub = new StubApi(app);
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            lock (stub.Requests)
            {
                stub.Requests.Add((context.Request.Path + context.Request.QueryString, body, context.Request.Headers.Authorization.ToString() is { Length: > 0 } a ? a : null));
            }

            await respond(context, body);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        stub.Address = new Uri(address).Authority;
        return stub;
    }

    public static async Task Json(HttpContext context, int status, string json)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(json);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
