using System.Text;
using SQLitePCL;

namespace Corrosion.Storage;

/// <summary>A prepared statement: bind, step, read columns, reset.</summary>
internal sealed class SqliteStatement : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly sqlite3_stmt _stmt;

    internal SqliteStatement(SqliteConnection connection, sqlite3_stmt stmt)
    {
        _connection = connection;
        _stmt = stmt;
    }

    public int ColumnCount => raw.sqlite3_column_count(_stmt);

    public int ParameterCount => raw.sqlite3_bind_parameter_count(_stmt);

    /// <summary>True when the statement does not write to the database (sqlite3_stmt_readonly).</summary>
    public bool IsReadOnly => raw.sqlite3_stmt_readonly(_stmt) != 0;

    public string Sql => raw.sqlite3_sql(_stmt).utf8_to_string() ?? string.Empty;

    public string ColumnName(int index) => raw.sqlite3_column_name(_stmt, index).utf8_to_string() ?? string.Empty;

    /// <summary>The declared type of a result column that is a table column (<c>sqlite3_column_decltype</c>), else null.</summary>
    public string? ColumnDeclaredType(int index) => raw.sqlite3_column_decltype(_stmt, index).utf8_to_string();

    public string? ParameterName(int index) => raw.sqlite3_bind_parameter_name(_stmt, index).utf8_to_string();

    public int ParameterIndex(string name) => raw.sqlite3_bind_parameter_index(_stmt, name);

    public void BindAll(ReadOnlySpan<SqlValue> values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            Bind(i + 1, values[i]);
        }
    }

    public void Bind(int index, SqlValue value)
    {
        var rc = value.Kind switch
        {
            SqlValueKind.Integer => raw.sqlite3_bind_int64(_stmt, index, value.AsInteger),
            SqlValueKind.Real => raw.sqlite3_bind_double(_stmt, index, value.AsReal),
            // As UTF-8 bytes with their length: SQLitePCLRaw's string overload passes longer strings NUL-terminated,
            // so SQLite kept a text only up to its first NUL character.
            SqlValueKind.Text => raw.sqlite3_bind_text(_stmt, index, Encoding.UTF8.GetBytes(value.AsText)),
            SqlValueKind.Blob => value.AsBlob.Length == 0
                ? raw.sqlite3_bind_zeroblob(_stmt, index, 0)
                : raw.sqlite3_bind_blob(_stmt, index, value.AsBlob),
            _ => raw.sqlite3_bind_null(_stmt, index),
        };
        if (rc != raw.SQLITE_OK)
        {
            throw rc == raw.SQLITE_RANGE
                ? new SqliteException($"parameter {index} is out of range: the statement takes {ParameterCount}", rc)
                : _connection.Error(rc);
        }
    }

    /// <summary>Steps once. Returns true when a row is available.</summary>
    public bool Step()
    {
        var rc = raw.sqlite3_step(_stmt);
        return rc switch
        {
            raw.SQLITE_ROW => true,
            raw.SQLITE_DONE => false,
            _ => throw _connection.Error(rc),
        };
    }

    public SqlValueKind ColumnKind(int index) => (SqlValueKind)raw.sqlite3_column_type(_stmt, index);

    public long GetInt64(int index) => raw.sqlite3_column_int64(_stmt, index);

    public double GetDouble(int index) => raw.sqlite3_column_double(_stmt, index);

    public string GetText(int index) => raw.sqlite3_column_text(_stmt, index).utf8_to_string() ?? string.Empty;

    public ReadOnlySpan<byte> GetBlobSpan(int index) => raw.sqlite3_column_blob(_stmt, index);

    /// <summary>The UTF-8 bytes of a column, without decoding (valid until the next step or reset).</summary>
    public ReadOnlySpan<byte> GetTextUtf8(int index) => raw.sqlite3_column_blob(_stmt, index);

    public SqlValue GetValue(int index) => ColumnKind(index) switch
    {
        SqlValueKind.Integer => SqlValue.FromInteger(GetInt64(index)),
        SqlValueKind.Real => SqlValue.FromReal(GetDouble(index)),
        SqlValueKind.Text => SqlValue.FromText(GetText(index)),
        SqlValueKind.Blob => SqlValue.FromBlob(GetBlobSpan(index).ToArray()),
        _ => SqlValue.Null,
    };

    public void Reset()
    {
        raw.sqlite3_reset(_stmt);
        raw.sqlite3_clear_bindings(_stmt);
    }

    public void Dispose() => _stmt.Dispose();

    internal static SqlValue ReadValue(sqlite3_value value) => (SqlValueKind)raw.sqlite3_value_type(value) switch
    {
        SqlValueKind.Integer => SqlValue.FromInteger(raw.sqlite3_value_int64(value)),
        SqlValueKind.Real => SqlValue.FromReal(raw.sqlite3_value_double(value)),
        SqlValueKind.Text => SqlValue.FromText(raw.sqlite3_value_text(value).utf8_to_string() ?? string.Empty),
        SqlValueKind.Blob => SqlValue.FromBlob(raw.sqlite3_value_blob(value).ToArray()),
        _ => SqlValue.Null,
    };

    internal static void SetResult(sqlite3_context ctx, SqlValue value)
    {
        switch (value.Kind)
        {
            case SqlValueKind.Integer:
                raw.sqlite3_result_int64(ctx, value.AsInteger);
                break;
            case SqlValueKind.Real:
                raw.sqlite3_result_double(ctx, value.AsReal);
                break;
            case SqlValueKind.Text:
                // With its length, as in Bind: a text may hold NUL characters.
                raw.sqlite3_result_text(ctx, Encoding.UTF8.GetBytes(value.AsText));
                break;
            case SqlValueKind.Blob:
                if (value.AsBlob.Length == 0)
                {
                    raw.sqlite3_result_zeroblob(ctx, 0);
                }
                else
                {
                    raw.sqlite3_result_blob(ctx, value.AsBlob);
                }

                break;
            default:
                raw.sqlite3_result_null(ctx);
                break;
        }
    }
}
