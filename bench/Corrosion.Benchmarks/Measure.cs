using System.Diagnostics;
using Corrosion.Options;

namespace Corrosion.Benchmarks;

internal static class Measure
{
    /// <summary>The quick start's todos table, which most scenarios write.</summary>
    public const string TodosSchema = "CREATE TABLE todos (id BLOB NOT NULL PRIMARY KEY, title TEXT NOT NULL DEFAULT '', completed_at INTEGER);";

    /// <summary>Writes <see cref="TodosSchema"/> as <c>todos.sql</c> in <paramref name="dir"/> and returns its path.</summary>
    public static string WriteTodosSchema(string dir)
    {
        var path = Path.Combine(dir, "todos.sql");
        File.WriteAllText(path, TodosSchema);
        return path;
    }

    /// <summary>Opens a node with the todos schema whose database is <c>&lt;name&gt;.db</c> in <paramref name="dir"/>.</summary>
    public static Task<CorrosionNode> OpenTodosNodeAsync(string dir, string name = "node") => CorrosionNode.OpenAsync(new CorrosionOptions
    {
        DatabasePath = Path.Combine(dir, name + ".db"),
        SchemaPaths = [WriteTodosSchema(dir)],
    });

    /// <summary>
    /// The raw SQLite baseline: <c>raw.db</c> in <paramref name="dir"/> with the node's journal settings (WAL,
    /// synchronous = NORMAL) and the todos table, through the same statement wrapper the node uses.
    /// </summary>
    public static Storage.SqliteConnection OpenRawTodos(string dir)
    {
        var db = Storage.SqliteConnection.Open(Path.Combine(dir, "raw.db"));
        db.Execute("PRAGMA journal_mode = WAL");
        db.Execute("PRAGMA synchronous = NORMAL");
        db.Execute(TodosSchema);
        return db;
    }

    public static string Workspace()
    {
        var path = Path.Combine(Path.GetTempPath(), $"corrosion-bench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }

    public static async Task<TimeSpan> TimeAsync(Func<Task> action)
    {
        var started = Stopwatch.GetTimestamp();
        await action();
        return Stopwatch.GetElapsedTime(started);
    }

    public static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }

    public static void Report(string name, string unit, double value) => Console.WriteLine($"{name,-58} {value,14:N0} {unit}");
}
