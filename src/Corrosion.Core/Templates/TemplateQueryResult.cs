using Corrosion.Storage;

namespace Corrosion.Templates;

/// <summary>
/// A snapshot of one query's result as a template sees it: column names and rows in result order. <see cref="Version"/>
/// identifies the snapshot; <see cref="ITemplateQuerySource.WaitForChangeAsync"/> completes once a newer one exists.
/// </summary>
public sealed class TemplateQueryResult
{
    /// <summary>Creates a result snapshot.</summary>
    /// <param name="columns">The result's column names, in result order.</param>
    /// <param name="rows">The rows, each with one value per column.</param>
    /// <param name="version">Identifies this snapshot; a later snapshot of the same query has a greater version.</param>
    /// <exception cref="ArgumentNullException"><paramref name="columns"/> or <paramref name="rows"/> is null.</exception>
    public TemplateQueryResult(IReadOnlyList<string> columns, IReadOnlyList<IReadOnlyList<SqlValue>> rows, long version = 0)
    {
        Columns = columns ?? throw new ArgumentNullException(nameof(columns));
        Rows = rows ?? throw new ArgumentNullException(nameof(rows));
        Version = version;
    }

    /// <summary>The result's column names, in result order.</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>The rows in result order, each with one value per column of <see cref="Columns"/>.</summary>
    public IReadOnlyList<IReadOnlyList<SqlValue>> Rows { get; }

    /// <summary>Identifies this snapshot: pass it to <see cref="ITemplateQuerySource.WaitForChangeAsync"/> to wait for a newer one.</summary>
    public long Version { get; }
}
