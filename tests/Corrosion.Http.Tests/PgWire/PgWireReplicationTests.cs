using Corrosion.Http.PgWire;
using Corrosion.TestKit;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Corrosion.Http.Tests.PgWire;

public sealed class PgWireReplicationTests
{
    [Fact]
    public async Task A_write_over_pg_on_one_node_replicates_to_the_other()
    {
        await using var cluster = await InMemoryCluster.StartAsync(size: 2, seed: 5432);
        var (a, _) = cluster.Nodes[0];
        var (b, _) = cluster.Nodes[1];
        using var server = new PgWireServer(new PgWireOptions { Address = "127.0.0.1:0" }, a, NullLoggerFactory.Instance);
        await server.StartAsync(CancellationToken.None);
        try
        {
            await using (var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={server.LocalEndPoint!.Port};Username=x;Pooling=false"))
            {
                await connection.OpenAsync();
                await using var tx = await connection.BeginTransactionAsync();
                foreach (var (id, title) in new[] { ((byte)1, "one"), ((byte)2, "two") })
                {
                    await using var insert = new NpgsqlCommand("INSERT INTO todos (id, title) VALUES ($1, $2)", connection, tx);
                    insert.Parameters.Add(new NpgsqlParameter { Value = new[] { id } });
                    insert.Parameters.Add(new NpgsqlParameter { Value = title });
                    await insert.ExecuteNonQueryAsync();
                }

                await tx.CommitAsync();
            }

            var expected = await InMemoryCluster.SnapshotAsync(a);
            expected.Split('\n').Should().HaveCount(2);
            await Eventually.UntilAsync(
                async () => await InMemoryCluster.SnapshotAsync(b) == expected,
                TimeSpan.FromSeconds(30),
                "the PG transaction replicated to node b",
                async () => $"a: [{expected}] b: [{await InMemoryCluster.SnapshotAsync(b)}]");
        }
        finally
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await server.StopAsync(timeout.Token);
        }
    }
}
