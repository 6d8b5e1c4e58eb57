using Corrosion.Storage;

namespace Corrosion.Updates;

/// <summary>What happened to a row of a watched table.</summary>
public enum TableUpdateKind
{
    /// <summary>The row at this primary key was inserted or changed (inserts are not told apart, as in the original).</summary>
    Update,

    /// <summary>The row at this primary key was deleted.</summary>
    Delete,
}

/// <summary>One notification of <see cref="ICorrosionNode.WatchTable"/>: a primary key of the table changed.</summary>
/// <param name="Kind">Update (including insert) or delete, from the row's causal length after the commit.</param>
/// <param name="PrimaryKey">The primary key values, in the table's primary key column order.</param>
public sealed record TableUpdate(TableUpdateKind Kind, IReadOnlyList<SqlValue> PrimaryKey);
