using Corrosion.Http.PgWire;
using Corrosion.TestKit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Corrosion.Http.Tests.PgWire;

public sealed class PgWireRegistrationTests
{
    [Fact]
    public async Task Each_AddPgWire_adds_a_hosted_listener_that_binds_at_start_and_serves_the_node()
    {
        using var directory = new TempDirectory();
        var schemaDir = directory.Combine("schema");
        Directory.CreateDirectory(schemaDir);
        await File.WriteAllTextAsync(Path.Combine(schemaDir, "items.sql"), PgWireTestServer.Schema);
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddCorrosion(o =>
            {
                o.DatabasePath = directory.Combine("state.db");
                o.SchemaPaths = [schemaDir];
            })
            .AddPgWire(o => o.Address = "127.0.0.1:0")
            .AddPgWire(o =>
            {
                o.Address = "127.0.0.1:0";
                o.ReadOnly = true;
            });
        using var host = builder.Build();

        await host.StartAsync();
        try
        {
            var servers = host.Services.GetServices<PgWireServer>().ToList();
            servers.Should().HaveCount(2);
            host.Services.GetServices<IHostedService>().OfType<PgWireServer>().Should().Equal(servers, "the hosted services are the resolvable listeners");
            var writable = await servers[0].BoundAsync;
            var readOnly = await servers[1].BoundAsync;
            writable.Port.Should().NotBe(0);
            readOnly.Port.Should().NotBe(writable.Port);

            await using (var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={writable.Port};Username=x;Pooling=false"))
            {
                await connection.OpenAsync();
                await using var insert = new NpgsqlCommand("INSERT INTO items (id, name) VALUES (1, 'via di')", connection);
                (await insert.ExecuteNonQueryAsync()).Should().Be(1);
            }

            await using (var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={readOnly.Port};Username=x;Pooling=false"))
            {
                await connection.OpenAsync();
                await using var select = new NpgsqlCommand("SELECT name FROM items", connection);
                ((string?)await select.ExecuteScalarAsync()).Should().Be("via di");
                await using var delete = new NpgsqlCommand("DELETE FROM items", connection);
                var act = async () => await delete.ExecuteNonQueryAsync();
                (await act.Should().ThrowAsync<PostgresException>()).Which.SqlState.Should().Be("25006");
            }
        }
        finally
        {
            await host.StopAsync();
        }
    }
}
