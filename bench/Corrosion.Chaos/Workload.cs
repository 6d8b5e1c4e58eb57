using System.Globalization;

namespace Corrosion.Chaos;

/// <summary>
/// Random transactions over a small key space, so that nodes write the same rows concurrently: upserts, updates of one
/// column, deletes and re-inserts, primary-key changes, and every value type. Each transaction also inserts one
/// never-touched-again <c>events</c> row: an acknowledged transaction's event must end up on every node.
/// </summary>
internal sealed class Workload(Random random, string writer)
{
    public const string Schema = """
        CREATE TABLE todos (
        id BLOB NOT NULL PRIMARY KEY,
        title TEXT NOT NULL DEFAULT '',
        completed_at INTEGER
        );
        CREATE TABLE items (
        shelf INTEGER NOT NULL,
        slot TEXT NOT NULL,
        weight REAL,
        label TEXT NOT NULL DEFAULT '',
        data BLOB,
        PRIMARY KEY (shelf, slot)
        );
        CREATE TABLE events (
        id TEXT NOT NULL PRIMARY KEY,
        node TEXT NOT NULL DEFAULT '',
        at INTEGER NOT NULL DEFAULT 0
        );
        """;

    private int _sequence;

    /// <summary>The next transaction as <c>/v1/transactions</c> takes it, and the id of its event row.</summary>
    public (object[] Statements, string EventId) Next(string node)
    {
        var statements = new List<object>();
        var count = random.Next(1, 5);
        for (var i = 0; i < count; i++)
        {
            statements.Add(NextStatement());
        }

        var eventId = $"{writer}-{_sequence++}";
        statements.Add(Statement("INSERT INTO events (id, node, at) VALUES (?, ?, ?)", eventId, node, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
        return ([.. statements], eventId);
    }

    private object[] NextStatement() => random.Next(100) switch
    {
        < 30 => Statement(
            "INSERT INTO todos (id, title, completed_at) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET title = excluded.title, completed_at = excluded.completed_at",
            TodoKey(), $"{writer} {random.Next(1000)}", random.Next(3) == 0 ? null : random.Next(1_000_000)),
        < 42 => Statement("UPDATE todos SET completed_at = ? WHERE id = ?", random.Next(1_000_000), TodoKey()),
        < 52 => Statement("DELETE FROM todos WHERE id = ?", TodoKey()),
        < 58 => Statement("UPDATE todos SET title = title || '!' WHERE id IN (?, ?)", TodoKey(), TodoKey()),
        < 61 => Statement("UPDATE OR IGNORE todos SET id = ? WHERE id = ?", TodoKey(), TodoKey()),
        < 80 => Statement(
            "INSERT INTO items (shelf, slot, weight, label, data) VALUES (?, ?, ?, ?, unhex(?)) ON CONFLICT (shelf, slot) DO UPDATE SET weight = excluded.weight, label = excluded.label, data = excluded.data",
            random.Next(10), Slot(), random.Next(4) == 0 ? null : Math.Round(random.NextDouble() * 100, 3), $"{writer}", Convert.ToHexString(BitConverter.GetBytes(random.Next()))),
        < 88 => Statement("UPDATE items SET weight = weight * 2, label = label || '+' WHERE shelf = ?", random.Next(10)),
        < 94 => Statement("DELETE FROM items WHERE shelf = ? AND slot = ?", random.Next(10), Slot()),
        _ => Statement("DELETE FROM items WHERE shelf = ?", random.Next(10)),
    };

    private string TodoKey() => "k" + random.Next(40).ToString(CultureInfo.InvariantCulture);

    private string Slot() => ((char)('a' + random.Next(5))).ToString();

    private static object[] Statement(string sql, params object?[] parameters) => [sql, parameters];
}
