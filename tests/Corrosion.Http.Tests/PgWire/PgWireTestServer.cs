using System.Net;
using Corrosion.Http.PgWire;
using Corrosion.TestKit;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Corrosion.Http.Tests.PgWire;

/// <summary>A real node on a temp database with a PostgreSQL wire listener on 127.0.0.1:0.</summary>
internal sealed class PgWireTestServer : IAsyncDisposable
{
    public const string Schema = """
        CREATE TABLE items (
            id INTEGER NOT NULL PRIMARY KEY,
            name TEXT NOT NULL DEFAULT '',
            score REAL,
            data BLOB,
            note TEXT
        );
        """;

    private readonly TempDirectory _dir;
    private readonly CancellationTokenSource _stop = new();

    private PgWireTestServer(TempDirectory dir, CorrosionNode node, PgWireServer server)
    {
        _dir = dir;
        Node = node;
        Server = server;
    }

    public CorrosionNode Node { get; }

    public PgWireServer Server { get; }

    public IPEndPoint EndPoint => Server.LocalEndPoint!;

    /// <summary>No pooling, so disposing a connection closes its socket; type loading left on (Npgsql's default).</summary>
    public string ConnectionString => $"Host=127.0.0.1;Port={EndPoint.Port};Username=test;Pooling=false;Timeout=15;Command Timeout=30";

    public static async Task<PgWireTestServer> StartAsync(bool readOnly = false, PgWireTlsOptions? tls = null)
    {
        var dir = new TempDirectory("corrosion-pg");
        CorrosionNode? node = null;
        try
        {
            node = await NodeFactory.OpenAsync(dir, "node", Schema);
            var server = new PgWireServer(new PgWireOptions { Address = "127.0.0.1:0", ReadOnly = readOnly, Tls = tls }, node, NullLoggerFactory.Instance);
            await server.StartAsync(CancellationToken.None);
            return new PgWireTestServer(dir, node, server);
        }
        catch
        {
            if (node is not null)
            {
                await node.DisposeAsync();
            }

            dir.Dispose();
            throw;
        }
    }

    public async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await Server.StopAsync(timeout.Token);
        Server.Dispose();
        await Node.DisposeAsync();
        _stop.Dispose();
        _dir.Dispose();
    }
}
