using System.Net.Http.Headers;
using System.Text;
using Corrosion.TestKit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Corrosion.Http.Tests.Fixtures;

/// <summary>
/// A real Kestrel server on 127.0.0.1 (port 0, read back once bound) running a real Corrosion node on a temporary
/// directory with the spec's todos schema, plus an <see cref="HttpClient"/> pointed at it. Dispose to stop the
/// server and delete the directory.
/// </summary>
public sealed class CorrosionApiServer : IAsyncDisposable
{
    /// <summary>
    /// The spec's example table, plus a table whose BLOB-affinity column keeps every storage class as given (an
    /// INTEGER or NUMERIC affinity column would turn 2.0 into 2).
    /// </summary>
    public const string Schema = """
        CREATE TABLE todos (
            id BLOB NOT NULL PRIMARY KEY,
            title TEXT NOT NULL DEFAULT '',
            completed_at INTEGER
        );

        CREATE TABLE vals (
            id INTEGER NOT NULL PRIMARY KEY,
            v BLOB
        );
        """;

    private readonly WebApplication _app;
    private readonly TempDirectory _directory;

    private CorrosionApiServer(WebApplication app, TempDirectory directory, Uri baseAddress)
    {
        _app = app;
        _directory = directory;
        BaseAddress = baseAddress;
        Client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    public ICorrosionNode Node => _app.Services.GetRequiredService<ICorrosionNode>();

    public IServiceProvider Services => _app.Services;

    /// <param name="metrics">Also registers the Prometheus exporter and maps <c>GET /metrics</c>.</param>
    public static async Task<CorrosionApiServer> StartAsync(Action<HttpApiOptions>? configureApi = null, bool metrics = false)
    {
        var directory = new TempDirectory("corrosion-http");
        try
        {
            var schemaDirectory = Directory.CreateDirectory(Path.Combine(directory.Path, "schema")).FullName;
            await File.WriteAllTextAsync(Path.Combine(schemaDirectory, "todos.sql"), Schema);

            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = directory.Path });
            builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.Services
                .AddCorrosion(o =>
                {
                    o.DatabasePath = Path.Combine(directory.Path, "state.db");
                    o.SchemaPaths = [schemaDirectory];
                })
                .AddHttpApi(configureApi);
            if (metrics)
            {
                builder.Services.AddCorrosionMetrics();
            }

            var app = builder.Build();
            app.MapCorrosion();
            if (metrics)
            {
                app.MapCorrosionMetrics();
            }

            try
            {
                await app.StartAsync();
            }
            catch
            {
                await app.DisposeAsync();
                throw;
            }

            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            return new CorrosionApiServer(app, directory, new Uri(address));
        }
        catch
        {
            directory.Dispose();
            throw;
        }
    }

    /// <summary>POSTs a raw body (JSON by default) to a path under the server.</summary>
    public Task<HttpResponseMessage> PostAsync(string path, string body, string? contentType = "application/json", string? bearerToken = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(body, Encoding.UTF8),
        };
        request.Content.Headers.ContentType = contentType is null ? null : MediaTypeHeaderValue.Parse(contentType);
        if (bearerToken is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearerToken);
        }

        return Client.SendAsync(request);
    }

    /// <summary>Runs a transaction and returns its status and parsed body.</summary>
    public async Task<ApiResponse> TransactAsync(string body, string? bearerToken = null)
    {
        using var response = await PostAsync("/v1/transactions", body, bearerToken: bearerToken);
        return await ApiResponse.ReadAsync(response);
    }

    /// <summary>Runs a query and returns its status and parsed NDJSON events (or its JSON error).</summary>
    public async Task<NdjsonResponse> QueryAsync(string body, string path = "/v1/queries", string? bearerToken = null)
    {
        using var response = await PostAsync(path, body, bearerToken: bearerToken);
        return await NdjsonResponse.ReadAsync(response);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _directory.Dispose();
    }
}
