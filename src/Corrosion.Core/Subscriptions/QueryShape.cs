namespace Corrosion.Subscriptions;

/// <summary>A base table of the query's top-level FROM whose primary key is part of each result row's identity.</summary>
/// <param name="Table">The table's name.</param>
/// <param name="FirstHiddenColumn">Index (among the hidden columns) of its first primary key column.</param>
/// <param name="KeyColumns">How many primary key columns it has.</param>
internal sealed record IdentitySource(string Table, int FirstHiddenColumn, int KeyColumns);

/// <summary>
/// How a subscription's query is matched. With <see cref="Sources"/> the rewritten SQL appends hidden primary key
/// columns and a result row is identified by them; without, a row is identified by its whole value.
/// </summary>
/// <param name="Sql">The SQL the matcher runs (the user's, or the user's with hidden identity columns).</param>
/// <param name="Sources">Identity sources in hidden-column order; empty when rows are identified by value.</param>
/// <param name="HiddenColumns">Number of hidden columns after the visible ones.</param>
/// <param name="FastPath">Whether a change can be matched by re-running the query restricted to the changed keys.</param>
/// <param name="Reason">Why the query is not on the fast path (for logs and docs), or null.</param>
internal sealed record QueryShape(string Sql, IReadOnlyList<IdentitySource> Sources, int HiddenColumns, bool FastPath, string? Reason)
{
    public bool HasIdentity => Sources.Count > 0;

    public static QueryShape ByValue(string sql, string reason) => new(sql, [], 0, false, reason);
}
