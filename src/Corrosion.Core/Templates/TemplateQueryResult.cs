using Corrosion.Storage;

namespace Corrosion.Templates;

/// <summary>
/// A snapshot of one query's result as a template sees it: column names and rows in result order. <see cref="Version"/>
/// identifies the snapshot; <see cref="ITemplateQuerySource.WaitForChangeAsync"/> completes once a newer one exists.
/// </summary>
public sealed class TemplateQueryResult
{
    public TemplateQueryResult(IReadOnlyList<string> columns, IReadOnlyList<IReadOnlyList<SqlValue>> rows, long version = 0)
    {
        Columns = columns ?? throw new ArgumentNullException(nameof(columns));
        Rows = rows ?? throw new ArgumentNullException(nameof(rows));
        Version = version;
    }

    public IReadOnlyList<string> Columns { get; }

    public IReadOnlyList<IReadOnlyList<SqlValue>> Rows { get; }

    public long Version { get; }
}
