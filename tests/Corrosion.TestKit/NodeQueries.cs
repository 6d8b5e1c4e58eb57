namespace Corrosion.TestKit;

/// <summary>Reads a query's rows as <c>a|b|c</c> strings, the way the sqlite3 shell prints them.</summary>
public static class NodeQueries
{
    public static async Task<List<string>> RowsAsync(ICorrosionNode node, string sql)
    {
        await using var query = await node.QueryAsync(sql);
        var rows = new List<string>();
        await foreach (var row in query.ReadRowsAsync())
        {
            rows.Add(string.Join("|", row.Values.Select(v => v.ToString())));
        }

        return rows;
    }
}
