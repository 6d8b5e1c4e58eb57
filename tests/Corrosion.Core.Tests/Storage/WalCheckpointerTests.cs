using System.Diagnostics;
using Corrosion.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Corrosion.Core.Tests.Storage;

public sealed class WalCheckpointerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("corrosion-ckpt-").FullName;

    [Fact]
    public async Task Commits_leave_the_checkpoint_to_the_background_connection()
    {
        using var writer = OpenWriter();
        using var checkpointer = WalCheckpointer.Attach(writer, TimeSpan.FromSeconds(5), NullLogger.Instance);

        // Each transaction adds about 30 pages; without a checkpoint the log would only grow.
        var commits = 0;
        var deadline = Stopwatch.StartNew();
        while (checkpointer.Checkpoints == 0)
        {
            deadline.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(30), "the log passed {0} pages {1} commits ago", WalCheckpointer.ThresholdPages, commits);
            WriteBatch(writer, commits++);
            await Task.Yield();
        }

        commits.Should().BeGreaterThan(10, "no checkpoint is due before the log reaches the threshold");

        // In WAL mode only a checkpoint writes pages into the database file, and the commits run none themselves:
        // the background one copied the log (a checkpoint on a connection that has not read yet would do nothing).
        new FileInfo(writer.Path).Length.Should().BeGreaterThan(WalCheckpointer.ThresholdPages * 4096L / 2);
    }

    [Fact]
    public void After_dispose_SQLite_checkpoints_on_commit_again()
    {
        using var writer = OpenWriter();
        WalCheckpointer.Attach(writer, TimeSpan.FromSeconds(5), NullLogger.Instance).Dispose();

        for (var i = 0; i < 60; i++)
        {
            WriteBatch(writer, i);
        }

        // SQLite's own hook checkpointed (and so restarted the log) at least once: the log is shorter than what
        // was committed.
        using var status = writer.PrepareUncached("PRAGMA wal_checkpoint(PASSIVE)");
        status.Step().Should().BeTrue();
        status.GetValue(1).AsInteger.Should().BeLessThan(WalCheckpointer.ThresholdPages + 100);
    }

    private SqliteConnection OpenWriter()
    {
        var writer = SqliteConnection.Open(Path.Combine(_dir, "wal.db"));
        writer.Execute("PRAGMA journal_mode = WAL");
        writer.Execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, body BLOB)");
        return writer;
    }

    private static void WriteBatch(SqliteConnection writer, int batch)
    {
        writer.Execute("BEGIN");
        for (var i = 0; i < 25; i++)
        {
            writer.Execute("INSERT INTO t (id, body) VALUES (?1, randomblob(4000))", SqlValue.FromInteger((batch * 25) + i));
        }

        writer.Execute("COMMIT");
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
