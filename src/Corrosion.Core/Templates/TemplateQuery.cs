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

    public TemplateQuery(string sql, IReadOnlyList<SqlValue>? parameters = null, IReadOnlyDictionary<string, SqlValue>? namedParameters = null)
    {
        Sql = sql ?? throw new ArgumentNullException(nameof(sql));
        Parameters = parameters ?? [];
        NamedParameters = namedParameters;
        _key = BuildKey();
    }

    public string Sql { get; }

    /// <summary>Positional parameters (<c>sql("q", [a, b])</c>); empty when none or named.</summary>
    public IReadOnlyList<SqlValue> Parameters { get; }

    /// <summary>Named parameters (<c>sql("q", #{name: v})</c>), or null.</summary>
    public IReadOnlyDictionary<string, SqlValue>? NamedParameters { get; }

    public bool Equals(TemplateQuery? other) => other is not null && _key == other._key;

    public override bool Equals(object? obj) => Equals(obj as TemplateQuery);

    public override int GetHashCode() => _key.GetHashCode(StringComparison.Ordinal);

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
