using System.Security.Cryptography;
using Corrosion.Options;
using Corrosion.Schema;
using Corrosion.TestKit;

namespace Corrosion.Core.Tests.Node;

/// <summary>
/// A start that fails: a database that start created is not left behind (nor its directory), so the next start is a
/// fresh one; a database that existed before is left as it was.
/// </summary>
public sealed class FailedStartTests : IDisposable
{
    // SQLite accepts it; Corrosion refuses it when it reads the schema files, before any database is opened.
    private const string RefusedSchema = "CREATE TABLE t (id INTEGER PRIMARY KEY, x TEXT NOT NULL);";

    private readonly TempDirectory _dir = new("corrosion-failed-start");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_new_database_whose_schema_is_refused_leaves_no_files_behind()
    {
        var schema = _dir.WriteFile("schema/bad.sql", RefusedSchema);
        var open = () => CorrosionNode.OpenAsync(new CorrosionOptions { DatabasePath = _dir.Combine("data", "node1", "state.db"), SchemaPaths = [schema] });

        var error = await open.Should().ThrowAsync<SchemaException>();

        error.Which.Message.Should().StartWith($"schema file {schema}: ", "the error names the schema file and its problem");
        Entries().Should().Equal(["schema", Path.Combine("schema", "bad.sql")], "a start that failed must not leave a new database (state.db, -wal, -shm) or its directory");
    }

    [Fact]
    public async Task A_new_database_whose_start_fails_after_it_was_created_is_removed_with_its_directory()
    {
        // The subscriptions store cannot be created where a file is in the way; by then state.db exists.
        var schema = _dir.WriteFile("schema/todos.sql", Schemas.Todos);
        var blocker = _dir.WriteFile("blocker", "not a directory");
        var database = _dir.Combine("data", "node1", "state.db");
        var open = () => CorrosionNode.OpenAsync(new CorrosionOptions
        {
            DatabasePath = database,
            SchemaPaths = [schema],
            SubscriptionsPath = Path.Combine(blocker, "subscriptions"),
        });

        await open.Should().ThrowAsync<IOException>();

        Entries().Should().Equal(["blocker", "schema", Path.Combine("schema", "todos.sql")], "the start created data/node1/state.db and must remove it when it fails");
    }

    [Fact]
    public async Task An_existing_database_whose_schema_is_refused_is_left_byte_for_byte_as_it_was()
    {
        var database = _dir.Combine("state.db");
        var good = _dir.WriteFile("good/todos.sql", Schemas.Todos);
        await using (var node = await CorrosionNode.OpenAsync(new CorrosionOptions { DatabasePath = database, SchemaPaths = [good] }))
        {
            await node.ExecuteAsync(["INSERT INTO todos (id, title) VALUES (x'01', 'kept')"]);
        }

        var files = DatabaseFiles(database);
        var bad = _dir.WriteFile("bad/t.sql", RefusedSchema);

        var open = () => CorrosionNode.OpenAsync(new CorrosionOptions { DatabasePath = database, SchemaPaths = [good, bad] });

        await open.Should().ThrowAsync<SchemaException>();
        DatabaseFiles(database).Should().BeEquivalentTo(files, "a refused schema must not change the existing database");
        await using var reopened = await CorrosionNode.OpenAsync(new CorrosionOptions { DatabasePath = database, SchemaPaths = [good] });
        (await NodeQueries.RowsAsync(reopened, "SELECT title FROM todos")).Should().Equal("kept");
    }

    [Fact]
    public async Task An_existing_database_whose_schema_change_is_refused_keeps_its_file_and_rows()
    {
        // Refused only against the database's current schema, so after the database was opened.
        var database = _dir.Combine("state.db");
        var good = _dir.WriteFile("v1/todos.sql", Schemas.Todos);
        await using (var node = await CorrosionNode.OpenAsync(new CorrosionOptions { DatabasePath = database, SchemaPaths = [good] }))
        {
            await node.ExecuteAsync(["INSERT INTO todos (id, title) VALUES (x'01', 'kept')"]);
        }

        var bad = _dir.WriteFile("v2/todos.sql", "CREATE TABLE todos (id BLOB NOT NULL PRIMARY KEY, title TEXT NOT NULL DEFAULT '', completed_at TEXT);");

        var open = () => CorrosionNode.OpenAsync(new CorrosionOptions { DatabasePath = database, SchemaPaths = [bad] });

        (await open.Should().ThrowAsync<SchemaException>()).Which.Message.Should().Contain("column 'completed_at' changed type from 'INTEGER' to 'TEXT'");
        File.Exists(database).Should().BeTrue("the database existed before the failed start");
        await using var reopened = await CorrosionNode.OpenAsync(new CorrosionOptions { DatabasePath = database, SchemaPaths = [good] });
        (await NodeQueries.RowsAsync(reopened, "SELECT title FROM todos")).Should().Equal("kept");
    }

    /// <summary>Every file and directory under the test's directory, relative and sorted.</summary>
    private List<string> Entries() =>
        [.. Directory.EnumerateFileSystemEntries(_dir.Path, "*", SearchOption.AllDirectories).Select(e => Path.GetRelativePath(_dir.Path, e)).Order(StringComparer.Ordinal)];

    /// <summary>The database's files (state.db, -wal, -shm, whichever exist) with a hash of their bytes.</summary>
    private static Dictionary<string, string> DatabaseFiles(string database) =>
        new[] { database, database + "-wal", database + "-shm" }
            .Where(File.Exists)
            .ToDictionary(f => Path.GetFileName(f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));
}
