using System.Text;
using Corrosion.Storage;

namespace Corrosion.Templates;

/// <summary>
/// One <c>sql(...)</c> call's statement: the SQL and its positional or named parameters. Two calls with the same SQL
/// and parameters are equal, so a query source can share one subscription between them.
/// </summary>
public sealed class TemplateQuery : IEquatable<TemplateQuery>
{
    private readonly string _key;

    /// <summary>Creates a query from its SQL and parameters.</summary>
    /// <param name="sql">The statement's SQL.</param>
    /// <param name="parameters">Positional parameters; none when <see langword="null"/>.</param>
    /// <param name="namedParameters">Named parameters, or <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="sql"/> is null.</exception>
    public TemplateQuery(string sql, IReadOnlyList<SqlValue>? parameters = null, IReadOnlyDictionary<string, SqlValue>? namedParameters = null)
    {
        Sql = sql ?? throw new ArgumentNullException(nameof(sql));
        Parameters = parameters ?? [];
        NamedParameters = namedParameters;
        _key = BuildKey();
    }

    /// <summary>The statement's SQL, as the template passed it.</summary>
    public string Sql { get; }

    /// <summary>Positional parameters (<c>sql("q", [a, b])</c>); empty when none or named.</summary>
    public IReadOnlyList<SqlValue> Parameters { get; }

    /// <summary>Named parameters (<c>sql("q", #{name: v})</c>), or null.</summary>
    public IReadOnlyDictionary<string, SqlValue>? NamedParameters { get; }

    /// <summary>Whether both queries have the same SQL (compared exactly) and the same parameters, values and storage classes alike (1 and "1" differ); the order of named parameters does not matter.</summary>
    public bool Equals(TemplateQuery? other) => other is not null && _key == other._key;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as TemplateQuery);

    /// <inheritdoc/>
    public override int GetHashCode() => _key.GetHashCode(StringComparison.Ordinal);

    /// <summary>A canonical text of the SQL and its typed parameters, the form equality compares (for logs and keys).</summary>
    public override string ToString() => _key;

    private string BuildKey()
    {
        // A canonical text form is the simplest correct equality for SQL + typed parameters; kinds are included so
        // 1 and "1" differ.
        var sb = new StringBuilder(Sql);
        foreach (var p in Parameters)
        {
            sb.Append(" |").Append((int)p.Kind).Append(':').Append(p.Kind == SqlValueKind.Blob ? Convert.ToHexString(p.AsBlob) : p.ToString());
        }

        if (NamedParameters is not null)
        {
            foreach (var (name, p) in NamedParameters.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                sb.Append(" |").Append(name).Append('=').Append((int)p.Kind).Append(':').Append(p.Kind == SqlValueKind.Blob ? Convert.ToHexString(p.AsBlob) : p.ToString());
            }
        }

        return sb.ToString();
    }
}
