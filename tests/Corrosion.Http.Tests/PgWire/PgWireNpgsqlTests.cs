using System.Data;
using System.Threading.Channels;
using Corrosion.Crdt;
using Corrosion.TestKit;
using Npgsql;

namespace Corrosion.Http.Tests.PgWire;

/// <summary>A real Npgsql 10 client against a real node behind the PostgreSQL wire listener.</summary>
public sealed class PgWireNpgsqlTests
{
    [Fact]
    public async Task Plain_connection_string_opens_with_type_loading_and_reports_the_server_version()
    {
        await using var server = await PgWireTestServer.StartAsync();
        await using var connection = await server.OpenAsync();

        connection.State.Should().Be(ConnectionState.Open);
        connection.ServerVersion.Should().Be("14.0");
        await using var command = new NpgsqlCommand("SELECT version()", connection);
        ((string?)await command.ExecuteScalarAsync()).Should().StartWith("PostgreSQL 14.0");
    }

    [Fact]
    public async Task Pooled_connections_from_the_plainest_connection_string_are_reused_after_a_transaction()
    {
        await using var server = await PgWireTestServer.StartAsync();
        var connectionString = $"Host=127.0.0.1;Port={server.EndPoint.Port};Username=x";
        try
        {
            for (var i = 0; i < 3; i++)
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync();
                await using var tx = await connection.BeginTransactionAsync();
                await using var insert = new NpgsqlCommand("INSERT INTO items (id, name) VALUES ($1, 'pooled')", connection, tx);
                insert.Parameters.Add(new NpgsqlParameter { Value = (long)i });
                await insert.ExecuteNonQueryAsync();
                await tx.CommitAsync();
            }

            await using var last = new NpgsqlConnection(connectionString);
            await last.OpenAsync();
            await using var count = new NpgsqlCommand("SELECT count(*) FROM items WHERE name = 'pooled'", last);
            ((long)(await count.ExecuteScalarAsync())!).Should().Be(3);
        }
        finally
        {
            await using var clear = new NpgsqlConnection(connectionString);
            NpgsqlConnection.ClearPool(clear);
        }
    }

    [Fact]
    public async Task Insert_and_select_with_parameters_round_trip_null_integer_real_text_and_blob()
    {
        await using var server = await PgWireTestServer.StartAsync();
        await using var connection = await server.OpenAsync();
        var blob = new byte[] { 0, 1, 2, 254, 255 };

        await using (var insert = new NpgsqlCommand("INSERT INTO items (id, name, score, data, note) VALUES ($1, $2, $3, $4, $5)", connection))
        {
            insert.Parameters.Add(new NpgsqlParameter { Value = 1L });
            insert.Parameters.Add(new NpgsqlParameter { Value = "héllo 'quoted'" });
            insert.Parameters.Add(new NpgsqlParameter { Value = 2.5d });
            insert.Parameters.Add(new NpgsqlParameter { Value = blob });
            insert.Parameters.Add(new NpgsqlParameter { Value = DBNull.Value });
            (await insert.ExecuteNonQueryAsync()).Should().Be(1, "rows affected of an autocommitted insert");
        }

        await using (var insert = new NpgsqlCommand("INSERT INTO items (id, name) VALUES (@id, @name)", connection))
        {
            insert.Parameters.AddWithValue("id", 2);
            insert.Parameters.AddWithValue("name", "second");
            (await insert.ExecuteNonQueryAsync()).Should().Be(1);
        }

        await using var select = new NpgsqlCommand("SELECT id, name, score, data, note FROM items WHERE id = $1", connection);
        select.Parameters.Add(new NpgsqlParameter { Value = 1L });
        await using var reader = await select.ExecuteReaderAsync();
        (await reader.ReadAsync()).Should().BeTrue();
        reader.GetFieldType(0).Should().Be<long>();
        reader.GetInt64(0).Should().Be(1);
        reader.GetString(1).Should().Be("héllo 'quoted'");
        reader.GetDouble(2).Should().Be(2.5);
        reader.GetFieldValue<byte[]>(3).Should().Equal(blob);
        (await reader.IsDBNullAsync(4)).Should().BeTrue();
        (await reader.ReadAsync()).Should().BeFalse();
    }

    [Fact]
    public async Task Expression_columns_take_their_type_from_the_values()
    {
        await using var server = await PgWireTestServer.StartAsync();
        await using var connection = await server.OpenAsync();

        await using var command = new NpgsqlCommand("SELECT 42, 1.5, 'text', x'0102', NULL, $1 + 1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = 9 });
        await using var reader = await command.ExecuteReaderAsync();
        (await reader.ReadAsync()).Should().BeTrue();
        reader.GetInt64(0).Should().Be(42);
        reader.GetDouble(1).Should().Be(1.5);
        reader.GetString(2).Should().Be("text");
        reader.GetFieldValue<byte[]>(3).Should().Equal(1, 2);
        (await reader.IsDBNullAsync(4)).Should().BeTrue();
        reader.GetInt64(5).Should().Be(10);
    }

    [Fact]
    public async Task Multi_statement_simple_query_returns_every_result_in_order()
    {
        await using var server = await PgWireTestServer.StartAsync();
        await using var connection = await server.OpenAsync();

        // A batch of several statements with no parameters goes out as one simple Query message.
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("INSERT INTO items (id, name) VALUES (1, 'a'), (2, 'b')"),
                new NpgsqlBatchCommand("UPDATE items SET name = 'bb' WHERE id = 2"),
                new NpgsqlBatchCommand("SELECT name FROM items ORDER BY id"),
            },
        };
        await using (var reader = await batch.ExecuteReaderAsync())
        {
            var names = new List<string>();
            while (await reader.ReadAsync())
            {
                names.Add(reader.GetString(0));
            }

            names.Should().Equal("a", "bb");
        }

        batch.BatchCommands[0].RecordsAffected.Should().Be(2);
        batch.BatchCommands[1].RecordsAffected.Should().Be(1);

        // Several statements in one command text: Npgsql splits them; the listener answers each.
        await using var command = new NpgsqlCommand("DELETE FROM items WHERE id = 1; SELECT count(*) FROM items; SELECT name FROM items", connection);
        await using var multi = await command.ExecuteReaderAsync();
        (await multi.ReadAsync()).Should().BeTrue();
        multi.GetInt64(0).Should().Be(1);
        (await multi.NextResultAsync()).Should().BeTrue();
        (await multi.ReadAsync()).Should().BeTrue();
        multi.GetString(0).Should().Be("bb");
    }

    [Fact]
    public async Task Explicit_transaction_commit_applies_all_writes_and_rollback_applies_none()
    {
        await using var server = await PgWireTestServer.StartAsync();
        await using var connection = await server.OpenAsync();

        await using (var tx = await connection.BeginTransactionAsync())
        {
            await using var insert = new NpgsqlCommand("INSERT INTO items (id, name) VALUES ($1, $2)", connection, tx);
            insert.Parameters.Add(new NpgsqlParameter { Value = 10L });
            insert.Parameters.Add(new NpgsqlParameter { Value = "ten" });
            await insert.ExecuteNonQueryAsync();
            insert.Parameters[0].Value = 11L;
            insert.Parameters[1].Value = "eleven";
            await insert.ExecuteNonQueryAsync();

            (await CountAsync(server, "id IN (10, 11)")).Should().Be(0, "writes in a block are buffered until COMMIT");
            await tx.CommitAsync();
        }

        (await CountAsync(server, "id IN (10, 11)")).Should().Be(2);

        await using (var tx = await connection.BeginTransactionAsync())
        {
            await using var insert = new NpgsqlCommand("INSERT INTO items (id, name) VALUES (12, 'twelve')", connection, tx);
            await insert.ExecuteNonQueryAsync();
            await tx.RollbackAsync();
        }

        (await CountAsync(server, "id = 12")).Should().Be(0);

        // A failing statement at COMMIT rolls back the whole block.
        await using (var tx = await connection.BeginTransactionAsync())
        {
            await using var ok = new NpgsqlCommand("INSERT INTO items (id, name) VALUES (13, 'thirteen')", connection, tx);
            await ok.ExecuteNonQueryAsync();
            await using var duplicate = new NpgsqlCommand("INSERT INTO items (id, name) VALUES (10, 'again')", connection, tx);
            await duplicate.ExecuteNonQueryAsync();
            var commit = async () => await tx.CommitAsync();
            (await commit.Should().ThrowAsync<PostgresException>()).Which.SqlState.Should().Be("23505");
        }

        (await CountAsync(server, "id = 13")).Should().Be(0);
        await using var after = new NpgsqlCommand("SELECT count(*) FROM items", connection);
        ((long)(await after.ExecuteScalarAsync())!).Should().Be(2, "the connection is idle and usable after the failed COMMIT");
    }

    [Fact]
    public async Task Readonly_listener_refuses_writes_with_25006_and_still_answers_reads()
    {
        await using var server = await PgWireTestServer.StartAsync(readOnly: true);
        await using var connection = await server.OpenAsync();

        await using var insert = new NpgsqlCommand("INSERT INTO items (id, name) VALUES (1, 'x')", connection);
        var act = async () => await insert.ExecuteNonQueryAsync();
        var error = (await act.Should().ThrowAsync<PostgresException>()).Which;
        error.SqlState.Should().Be("25006");
        error.MessageText.Should().Contain("read-only");

        await using var select = new NpgsqlCommand("SELECT count(*) FROM items", connection);
        ((long)(await select.ExecuteScalarAsync())!).Should().Be(0);
    }

    [Fact]
    public async Task Errors_carry_a_sqlstate_and_the_connection_keeps_working()
    {
        await using var server = await PgWireTestServer.StartAsync();
        await using var connection = await server.OpenAsync();

        await using var bad = new NpgsqlCommand("SELEC 1", connection);
        var syntax = (await ((Func<Task>)(() => bad.ExecuteNonQueryAsync())).Should().ThrowAsync<PostgresException>()).Which;
        syntax.SqlState.Should().Be("42601");
        syntax.MessageText.Should().Contain("syntax error");

        await using var missing = new NpgsqlCommand("SELECT * FROM nope", connection);
        var undefined = (await ((Func<Task>)(() => missing.ExecuteReaderAsync())).Should().ThrowAsync<PostgresException>()).Which;
        undefined.SqlState.Should().Be("42P01");
        undefined.MessageText.Should().Contain("no such table: nope");

        await using var good = new NpgsqlCommand("SELECT 1 + 1", connection);
        ((long)(await good.ExecuteScalarAsync())!).Should().Be(2);
    }

    [Fact]
    public async Task A_write_over_pg_is_captured_as_a_crdt_change()
    {
        await using var server = await PgWireTestServer.StartAsync();
        using var feed = server.Node.Changes.Subscribe(16, BoundedChannelFullMode.Wait);
        await using var connection = await server.OpenAsync();

        await using var insert = new NpgsqlCommand("INSERT INTO items (id, name) VALUES ($1, $2)", connection);
        insert.Parameters.Add(new NpgsqlParameter { Value = 7L });
        insert.Parameters.Add(new NpgsqlParameter { Value = "seven" });
        await insert.ExecuteNonQueryAsync();

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var committed = await feed.Reader.ReadAsync(timeout.Token);
        committed.IsLocal.Should().BeTrue();
        committed.Changeset.ActorId.Should().Be(server.Node.ActorId);
        committed.Changeset.Changes.Should().Contain(c => c.Table == "items" && c.Cid == "name" && c.Val.Equals(Storage.SqlValue.FromText("seven")));
        (await NodeQueries.RowsAsync(server.Node, "SELECT count(*) FROM items__crsql_clock")).Should().NotEqual(["0"]);
    }

    [Fact]
    public async Task Row_limit_execute_suspends_and_resumes_the_portal()
    {
        await using var server = await PgWireTestServer.StartAsync();
        await using var connection = await server.OpenAsync();
        await using (var fill = new NpgsqlCommand("WITH RECURSIVE n(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM n WHERE v < 50) INSERT INTO items (id, name) SELECT v, 'n' || v FROM n", connection))
        {
            (await fill.ExecuteNonQueryAsync()).Should().Be(50);
        }

        // Npgsql always executes with no row limit: speak the protocol directly to use one.
        await using var raw = await RawPgClient.ConnectAsync(server.EndPoint);
        await raw.StartupAsync();
        var messages = await raw.ExtendedAsync("SELECT id FROM items ORDER BY id", maxRows: 20, executes: 3);
        messages.Count(m => m == 'D').Should().Be(50);
        messages.Count(m => m == 's').Should().Be(2, "two Executes stop at the row limit with PortalSuspended");
        messages.Should().ContainInOrder('1', '2', 'T', 'D', 's', 'D', 's', 'D', 'C', 'Z');
    }

    [Fact]
    public async Task Prepared_statements_are_described_once_and_executed_many_times()
    {
        await using var server = await PgWireTestServer.StartAsync();
        await using var connection = await server.OpenAsync();

        await using var insert = new NpgsqlCommand("INSERT INTO items (id, name, score) VALUES ($1, $2, $3)", connection);
        insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = 0 });
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = string.Empty });
        insert.Parameters.Add(new NpgsqlParameter<double> { TypedValue = 0 });
        await insert.PrepareAsync();
        for (var i = 1; i <= 3; i++)
        {
            ((NpgsqlParameter<long>)insert.Parameters[0]).TypedValue = i;
            ((NpgsqlParameter<string>)insert.Parameters[1]).TypedValue = $"item {i}";
            ((NpgsqlParameter<double>)insert.Parameters[2]).TypedValue = i / 2.0;
            (await insert.ExecuteNonQueryAsync()).Should().Be(1);
        }

        await using var select = new NpgsqlCommand("SELECT id, name, score FROM items WHERE id >= $1 ORDER BY id", connection);
        select.Parameters.Add(new NpgsqlParameter<long> { TypedValue = 2 });
        await select.PrepareAsync();
        for (var round = 0; round < 2; round++)
        {
            await using var reader = await select.ExecuteReaderAsync();
            var rows = new List<(long, string, double)>();
            while (await reader.ReadAsync())
            {
                rows.Add((reader.GetInt64(0), reader.GetString(1), reader.GetDouble(2)));
            }

            rows.Should().Equal((2L, "item 2", 1.0), (3L, "item 3", 1.5));
        }
    }

    private static async Task<long> CountAsync(PgWireTestServer server, string where)
    {
        var rows = await NodeQueries.RowsAsync(server.Node, $"SELECT count(*) FROM items WHERE {where}");
        return long.Parse(rows.Single(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
