using Corrosion.Storage;

namespace Corrosion.Http.PgWire;

/// <summary>A result computed by the listener itself rather than by SQLite.</summary>
internal sealed record PgResultSet(IReadOnlyList<PgColumn> Columns, IReadOnlyList<SqlValue[]> Rows);

/// <summary>
/// Just enough of PostgreSQL's catalog for clients that read it on connect. SQLite has no <c>pg_catalog</c>:
/// <c>SELECT version()</c> and the three type-loading queries Npgsql sends when a connection opens (<c>pg_type</c>,
/// composite fields from <c>pg_attribute</c>, <c>pg_enum</c> labels) are recognised by their text and answered
/// with the built-in types the listener speaks; no composites and no enums. Any other catalog query goes to SQLite
/// and fails as an undefined table.
/// </summary>
internal static class PgCatalog
{
    /// <summary>What <c>version()</c> returns; the major version matches the <c>server_version</c> parameter.</summary>
    public const string Version = "PostgreSQL 14.0 (Corrosion for .NET; SQLite-flavoured SQL over the PostgreSQL wire protocol)";

    /// <summary>The <c>server_version</c> parameter status.</summary>
    public const string ServerVersion = "14.0";

    // (oid, name, typtype, element oid) of the types listed in the emulated pg_type; arrays after their elements.
    private static readonly (uint Oid, string Name, char Type, uint Element)[] s_types =
    [
        (PgTypes.Bool, "bool", 'b', 0),
        (PgTypes.Bytea, "bytea", 'b', 0),
        (PgTypes.Char, "char", 'b', 0),
        (PgTypes.Name, "name", 'b', 0),
        (PgTypes.Int8, "int8", 'b', 0),
        (PgTypes.Int2, "int2", 'b', 0),
        (PgTypes.Int4, "int4", 'b', 0),
        (PgTypes.Text, "text", 'b', 0),
        (PgTypes.Oid, "oid", 'b', 0),
        (PgTypes.Json, "json", 'b', 0),
        (PgTypes.Float4, "float4", 'b', 0),
        (PgTypes.Float8, "float8", 'b', 0),
        (PgTypes.Unknown, "unknown", 'b', 0),
        (PgTypes.BpChar, "bpchar", 'b', 0),
        (PgTypes.Varchar, "varchar", 'b', 0),
        (PgTypes.Numeric, "numeric", 'b', 0),
        (2249, "record", 'p', 0),
        (2278, "void", 'p', 0),
        (1000, "_bool", 'a', PgTypes.Bool),
        (1001, "_bytea", 'a', PgTypes.Bytea),
        (1005, "_int2", 'a', PgTypes.Int2),
        (1007, "_int4", 'a', PgTypes.Int4),
        (1009, "_text", 'a', PgTypes.Text),
        (1015, "_varchar", 'a', PgTypes.Varchar),
        (1016, "_int8", 'a', PgTypes.Int8),
        (1021, "_float4", 'a', PgTypes.Float4),
        (1022, "_float8", 'a', PgTypes.Float8),
        (1028, "_oid", 'a', PgTypes.Oid),
        (1231, "_numeric", 'a', PgTypes.Numeric),
    ];

    /// <summary>True when <see cref="Answer"/> answers this statement.</summary>
    public static bool Handles(string sql) => Recognise(sql) != Query.None;

    /// <summary>
    /// True for a query of PostgreSQL's catalog that <see cref="Handles"/> does not answer (psql's <c>\d</c> family
    /// reads <c>pg_catalog.pg_class</c> and friends): it is refused with a message naming the alternative.
    /// </summary>
    public static bool IsUnsupportedCatalogQuery(string sql) =>
        sql.Contains("pg_catalog.", StringComparison.OrdinalIgnoreCase) || sql.Contains("information_schema.", StringComparison.OrdinalIgnoreCase);

    /// <summary>The error for a query <see cref="IsUnsupportedCatalogQuery"/> matched.</summary>
    public static PgException UnsupportedCatalogQuery() => new(
        PgSqlState.FeatureNotSupported,
        "PostgreSQL catalog queries (pg_catalog, information_schema; psql's \\d commands) are not supported: this is SQLite, query sqlite_schema or use PRAGMA table_info(...) instead");

    /// <summary>The result of a statement <see cref="Handles"/> accepted.</summary>
    public static PgResultSet Answer(string sql) => Recognise(sql) switch
    {
        Query.Version => new PgResultSet([new PgColumn("version", PgTypes.Text)], [[SqlValue.FromText(Version)]]),
        Query.Types => new PgResultSet(
            [
                new PgColumn("nspname", PgTypes.Name), new PgColumn("oid", PgTypes.Oid), new PgColumn("typname", PgTypes.Name),
                new PgColumn("typtype", PgTypes.Char), new PgColumn("typnotnull", PgTypes.Bool), new PgColumn("elemtypoid", PgTypes.Oid),
            ],
            [.. s_types.Select(t => new[]
            {
                SqlValue.FromText("pg_catalog"), SqlValue.FromInteger(t.Oid), SqlValue.FromText(t.Name),
                SqlValue.FromText(t.Type.ToString()), SqlValue.FromInteger(0), t.Element == 0 ? SqlValue.Null : SqlValue.FromInteger(t.Element),
            })]),
        Query.CompositeFields => new PgResultSet(
            [new PgColumn("oid", PgTypes.Oid), new PgColumn("attname", PgTypes.Name), new PgColumn("atttypid", PgTypes.Oid)], []),
        Query.EnumLabels => new PgResultSet([new PgColumn("oid", PgTypes.Oid), new PgColumn("enumlabel", PgTypes.Name)], []),
        _ => throw new InvalidOperationException("not a catalog query"),
    };

    private static Query Recognise(string sql)
    {
        var words = PgSqlText.Words(sql, 4);
        if (words.Count == 0 || words[0] != "SELECT")
        {
            return Query.None;
        }

        if (words.Count == 2 && words[1] == "VERSION")
        {
            return Query.Version;
        }

        if (!sql.Contains("pg_", StringComparison.Ordinal))
        {
            return Query.None;
        }

        if (sql.Contains("pg_type", StringComparison.Ordinal) && sql.Contains("typnotnull", StringComparison.Ordinal) && sql.Contains("elemtypoid", StringComparison.Ordinal))
        {
            return Query.Types;
        }

        if (sql.Contains("pg_attribute", StringComparison.Ordinal) && sql.Contains("atttypid", StringComparison.Ordinal))
        {
            return Query.CompositeFields;
        }

        if (sql.Contains("pg_enum", StringComparison.Ordinal) && sql.Contains("enumlabel", StringComparison.Ordinal))
        {
            return Query.EnumLabels;
        }

        return Query.None;
    }

    private enum Query
    {
        None,
        Version,
        Types,
        CompositeFields,
        EnumLabels,
    }
}
