using System.Buffers.Binary;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Corrosion.Host.Tests.Process;

/// <summary>
/// A real OTLP trace receiver on 127.0.0.1:0: OTLP/HTTP (<c>POST /v1/traces</c>, protobuf, over HTTP/1.1) or OTLP/gRPC
/// (<c>TraceService/Export</c> over HTTP/2 cleartext, answered with an empty message and <c>grpc-status: 0</c>). It keeps
/// every request's path and protobuf payload; a span's name is a plain UTF-8 string in it.
/// </summary>
internal sealed class OtlpReceiver : IAsyncDisposable
{
    public const string GrpcExportPath = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

    private readonly WebApplication _app;
    private readonly List<(string Path, byte[] Payload)> _requests = [];

    private OtlpReceiver(WebApplication app)
    {
        _app = app;
    }

    /// <summary>http://127.0.0.1:port</summary>
    public string Url { get; private set; } = string.Empty;

    public int Port => new Uri(Url).Port;

    public IReadOnlyList<(string Path, byte[] Payload)> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>True once a received payload contains <paramref name="text"/> (UTF-8).</summary>
    public bool Received(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        return Requests.Any(r => r.Payload.AsSpan().IndexOf(bytes) >= 0);
    }

    public static Task<OtlpReceiver> StartHttpAsync() => StartAsync(grpc: false);

    public static Task<OtlpReceiver> StartGrpcAsync() => StartAsync(grpc: true);

    private static async Task<OtlpReceiver> StartAsync(bool grpc)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.Protocols = grpc ? HttpProtocols.Http2 : HttpProtocols.Http1));
        var app = builder.Build();
        var receiver = new OtlpReceiver(app);
        app.Run(async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            var payload = body.ToArray();
            var path = context.Request.Path.Value ?? string.Empty;
            if (grpc)
            {
                if (!HttpMethods.IsPost(context.Request.Method) || path != GrpcExportPath || payload.Length < 5
                    || BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(1)) != payload.Length - 5)
                {
                    context.Response.StatusCode = StatusCodes.Status404NotFound;
                    return;
                }

                receiver.Record(path, payload[5..]);
                context.Response.ContentType = "application/grpc";

                // An empty ExportTraceServiceResponse: not compressed, length 0.
                await context.Response.Body.WriteAsync(new byte[5]);
                context.Response.AppendTrailer("grpc-status", "0");
                return;
            }

            if (!HttpMethods.IsPost(context.Request.Method) || path != "/v1/traces")
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            receiver.Record(path, payload);
            context.Response.ContentType = "application/x-protobuf";
            context.Response.ContentLength = 0;
        });
        await app.StartAsync();
        receiver.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        return receiver;
    }

    private void Record(string path, byte[] payload)
    {
        lock (_requests)
        {
            _requests.Add((path, payload));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
