namespace Corrosion.TestKit;

/// <summary>Schema files used across tests, verbatim from the spec where it has them.</summary>
public static class Schemas
{
    /// <summary>The quick start's todos table.</summary>
    public const string Todos = """
        CREATE TABLE todos (
        id BLOB NOT NULL PRIMARY KEY,
        title TEXT NOT NULL DEFAULT '',
        completed_at INTEGER
        );
        """;

    /// <summary>The CRDT section's my_machines table (integer primary key).</summary>
    public const string Machines = """
        CREATE TABLE my_machines (id INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL DEFAULT '', status TEXT NOT NULL DEFAULT 'broken');
        """;
}
