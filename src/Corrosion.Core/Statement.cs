using Corrosion.Storage;

namespace Corrosion;

/// <summary>One SQL statement with optional positional or named parameters.</summary>
/// <param name="Sql">The statement's SQL.</param>
public sealed record Statement(string Sql)
{
    /// <summary>A statement with positional parameters, bound to <c>?</c>, <c>?NNN</c> in order.</summary>
    public Statement(string sql, IReadOnlyList<SqlValue> parameters)
        : this(sql)
    {
        Parameters = parameters;
    }

    /// <summary>A statement with named parameters, bound to <c>:name</c>, <c>@name</c> or <c>$name</c>.</summary>
    public Statement(string sql, IReadOnlyDictionary<string, SqlValue> namedParameters)
        : this(sql)
    {
        NamedParameters = namedParameters;
    }

    /// <summary>Positional parameters bound to <c>?</c>, <c>?NNN</c> in order.</summary>
    public IReadOnlyList<SqlValue> Parameters { get; init; } = [];

    /// <summary>Named parameters bound to <c>:name</c>, <c>@name</c> or <c>$name</c> (the key may omit the prefix).</summary>
    public IReadOnlyDictionary<string, SqlValue>? NamedParameters { get; init; }

    /// <summary>A statement without parameters.</summary>
    public static implicit operator Statement(string sql) => new(sql);
}

/// <summary>What one statement of a transaction did.</summary>
/// <param name="RowsAffected">Rows the statement inserted, updated or deleted.</param>
/// <param name="Elapsed">How long the statement took to run.</param>
public sealed record StatementResult(int RowsAffected, TimeSpan Elapsed);

/// <summary>What a committed transaction did: per-statement results and the version it created, if any.</summary>
/// <param name="Results">One result per statement, in order.</param>
/// <param name="Elapsed">How long the transaction took, waiting for the writer included.</param>
/// <param name="Version">The version the commit created on this node, or <see langword="null"/> when it changed no row.</param>
/// <param name="ActorId">This node's actor id: the actor the version belongs to.</param>
public sealed record TransactionResult(IReadOnlyList<StatementResult> Results, TimeSpan Elapsed, long? Version, ActorId ActorId);

/// <summary>One row of a query: SQLite's row counter (from 1) and the cells.</summary>
/// <param name="RowId">The row's position in the result, from 1.</param>
/// <param name="Values">The row's cells, one per result column.</param>
public readonly record struct QueryRow(long RowId, SqlValue[] Values);

/// <summary>A result column: its name and, for a table column, its declared type (e.g. <c>INTEGER</c>).</summary>
/// <param name="Name">The column's name in the result.</param>
/// <param name="DeclaredType">The declared type of the table column it reads (<c>sqlite3_column_decltype</c>), or <see langword="null"/> when there is none (an expression, for example).</param>
public sealed record ColumnDescription(string Name, string? DeclaredType);

/// <summary>What a prepared statement looks like before it runs (see <see cref="ICorrosionNode.DescribeAsync"/>).</summary>
/// <param name="Columns">The result columns; empty for a statement that returns no rows.</param>
/// <param name="ParameterCount">The largest parameter index the statement uses.</param>
/// <param name="IsReadOnly">True when the statement does not write (<c>sqlite3_stmt_readonly</c>).</param>
public sealed record StatementDescription(IReadOnlyList<ColumnDescription> Columns, int ParameterCount, bool IsReadOnly);
