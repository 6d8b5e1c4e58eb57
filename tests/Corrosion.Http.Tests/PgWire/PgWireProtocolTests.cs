using System.Diagnostics;
using Corrosion.TestKit;
using Npgsql;
using Xunit.Abstractions;

namespace Corrosion.Http.Tests.PgWire;

/// <summary>
/// Wire-level behaviour: malformed frames, negotiation requests, and the psql shell. xunit 2.9.3 has no dynamic
/// skip: the psql test returns early (saying why) when psql is not installed; its name ends in <c>_WhenPsqlIsInstalled</c>.
/// </summary>
public sealed class PgWireProtocolTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Malformed_frames_get_a_protocol_error_and_close_only_that_connection()
    {
        await using var server = await PgWireTestServer.StartAsync();

        // A message whose length field is negative, after a good startup.
        await using (var raw = await RawPgClient.ConnectAsync(server.EndPoint))
        {
            await raw.StartupAsync();
            await raw.SendAsync([(byte)'Q', 0xff, 0xff, 0xff, 0xfb, 1, 2, 3]);
            var error = await raw.ReadMessageAsync();
            error.Should().NotBeNull();
            error!.Value.Type.Should().Be('E');
            var fields = RawPgClient.ErrorFields(error.Value.Body);
            fields['C'].Should().Be("08P01");
            fields['M'].Should().Contain("invalid message length");
            (await raw.ReadMessageAsync()).Should().BeNull("the server closes the connection after a bad frame");
        }

        // A Bind whose string is not terminated, and an unknown message type.
        await using (var raw = await RawPgClient.ConnectAsync(server.EndPoint))
        {
            await raw.StartupAsync();
            await raw.SendAsync(RawPgClient.Message('B', [(byte)'x', (byte)'y']));
            var error = await raw.ReadMessageAsync();
            RawPgClient.ErrorFields(error!.Value.Body)['C'].Should().Be("08P01");
            (await raw.ReadMessageAsync()).Should().BeNull();
        }

        // Garbage instead of a startup packet.
        await using (var raw = await RawPgClient.ConnectAsync(server.EndPoint))
        {
            await raw.SendAsync([0, 0, 0, 3, 0xde, 0xad, 0xbe, 0xef]);
            var error = await raw.ReadMessageAsync();
            error!.Value.Type.Should().Be('E');
            RawPgClient.ErrorFields(error.Value.Body)['M'].Should().Contain("invalid startup packet length");
            (await raw.ReadMessageAsync()).Should().BeNull();
        }

        // The listener keeps serving.
        await using var connection = await server.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT 'still here'", connection);
        ((string?)await command.ExecuteScalarAsync()).Should().Be("still here");
    }

    [Fact]
    public async Task Writes_of_one_simple_query_commit_together_or_not_at_all()
    {
        await using var server = await PgWireTestServer.StartAsync();
        await using var raw = await RawPgClient.ConnectAsync(server.EndPoint);
        await raw.StartupAsync();

        var ok = await raw.SimpleQueryAsync("INSERT INTO items (id, name) VALUES (1, 'a'); UPDATE items SET name = 'b'; SELECT name FROM items; DELETE FROM items WHERE id = 2");
        ok.Where(r => r.Type == 'C').Select(r => RawPgClient.Tag(r.Body)).Should().Equal("INSERT 0 1", "UPDATE 1", "SELECT 1", "DELETE 0");
        ok.Select(r => r.Type).Should().Equal('C', 'C', 'T', 'D', 'C', 'C', 'Z');
        ok[^1].Body.Should().Equal((byte)'I');

        var failed = await raw.SimpleQueryAsync("INSERT INTO items (id, name) VALUES (2, 'c'); INSERT INTO items (id, name) VALUES (1, 'duplicate'); SELECT 'never run'");
        failed.Select(r => r.Type).Should().Equal('E', 'Z');
        RawPgClient.ErrorFields(failed[0].Body)['C'].Should().Be("23505");
        (await NodeQueries.RowsAsync(server.Node, "SELECT id, name FROM items")).Should().Equal(["1|b"], "the failed query's first insert was rolled back with it");

        var block = await raw.SimpleQueryAsync("BEGIN; INSERT INTO items (id, name) VALUES (3, 'x'); SELEC oops; SELECT 1");
        block.Select(r => r.Type).Should().Equal('C', 'C', 'E', 'Z');
        ((char)block[^1].Body[0]).Should().Be('E', "an error inside BEGIN leaves the block failed");
        var ignored = await raw.SimpleQueryAsync("SELECT 1");
        RawPgClient.ErrorFields(ignored[0].Body)['C'].Should().Be("25P02");
        var commit = await raw.SimpleQueryAsync("COMMIT");
        RawPgClient.Tag(commit[0].Body).Should().Be("ROLLBACK");
        commit[^1].Body.Should().Equal((byte)'I');
        (await NodeQueries.RowsAsync(server.Node, "SELECT count(*) FROM items WHERE id = 3")).Should().Equal("0");

        var empty = await raw.SimpleQueryAsync("  -- nothing\n ;");
        empty.Select(r => r.Type).Should().Equal('I', 'Z');
    }

    [Fact]
    public async Task Ssl_and_gssenc_requests_are_declined_with_N_when_no_tls_is_configured()
    {
        await using var server = await PgWireTestServer.StartAsync();
        await using var raw = await RawPgClient.ConnectAsync(server.EndPoint);

        await raw.SendAsync([.. RawPgClient.Int32(8), .. RawPgClient.Int32((1234 << 16) | 5680)]);
        (await raw.ReadByteAsync()).Should().Be('N', "GSSENCRequest is declined");

        await raw.SendAsync([.. RawPgClient.Int32(8), .. RawPgClient.Int32((1234 << 16) | 5679)]);
        (await raw.ReadByteAsync()).Should().Be('N', "SSLRequest is declined");

        await raw.StartupAsync();
        (await raw.ExtendedAsync("SELECT 1", maxRows: 0, executes: 1)).Should().Equal('1', '2', 'T', 'D', 'C', 'Z');
    }

    [Fact]
    public async Task Psql_runs_queries_and_writes_through_the_listener_WhenPsqlIsInstalled()
    {
        if (FindPsql() is not { } psql)
        {
            // .ci/run installs postgresql-client; without it this test cannot run here.
            output.WriteLine("Not run: psql is not on PATH (apt-get install postgresql-client).");
            return;
        }

        await using var server = await PgWireTestServer.StartAsync();
        var port = server.EndPoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var write = await RunAsync(psql, "-h", "127.0.0.1", "-p", port, "-U", "psql", "-d", "corrosion", "-v", "ON_ERROR_STOP=1",
            "-c", "INSERT INTO items (id, name, score) VALUES (1, 'from psql', 0.5)");
        write.ExitCode.Should().Be(0, write.Err);
        write.Out.Should().Contain("INSERT 0 1");

        var read = await RunAsync(psql, "-h", "127.0.0.1", "-p", port, "-U", "psql", "-d", "corrosion", "-A", "-t", "-F", ",",
            "-c", "select id, name, score, data from items");
        read.ExitCode.Should().Be(0, read.Err);
        read.Out.Trim().Should().Be("1,from psql,0.5,");

        var error = await RunAsync(psql, "-h", "127.0.0.1", "-p", port, "-U", "psql", "-d", "corrosion", "-v", "ON_ERROR_STOP=1", "-c", "select * from missing");
        error.ExitCode.Should().NotBe(0);
        error.Err.Should().Contain("no such table: missing");

        var describe = await RunAsync(psql, "-h", "127.0.0.1", "-p", port, "-U", "psql", "-d", "corrosion", "-c", "\\dt");
        describe.ExitCode.Should().NotBe(0);
        describe.Err.Should().Contain("catalog queries").And.Contain("not supported");
    }

    private static string? FindPsql()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator))
        {
            var candidate = Path.Combine(dir, "psql");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static async Task<(int ExitCode, string Out, string Err)> RunAsync(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["PGCONNECT_TIMEOUT"] = "15";
        start.Environment["PGSSLMODE"] = "prefer";
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"psql {string.Join(' ', args)} did not exit within 60s");
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
