using System.Buffers;
using System.Text;
using SQLitePCL;
using static Corrosion.Storage.SqliteNative;

namespace Corrosion.Storage;

/// <summary>A prepared statement: bind, step, read columns, reset.</summary>
internal sealed unsafe class SqliteStatement : IDisposable
{
    // Texts up to this many UTF-8 bytes are encoded on the stack for binding.
    private const int StackTextLimit = 512;

    private readonly SqliteConnection _connection;
    private readonly sqlite3_stmt _stmt;

    // The native statement, for the hot calls (SqliteNative); valid until Dispose, which only the owner calls.
    private readonly IntPtr _handle;

    internal SqliteStatement(SqliteConnection connection, sqlite3_stmt stmt)
    {
        _connection = connection;
        _stmt = stmt;
        _handle = stmt.DangerousGetHandle();
    }

    public int ColumnCount => sqlite3_column_count(_handle);

    public int ParameterCount => sqlite3_bind_parameter_count(_handle);

    /// <summary>True when the statement does not write to the database (sqlite3_stmt_readonly).</summary>
    public bool IsReadOnly => sqlite3_stmt_readonly(_handle) != 0;

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
            SqlValueKind.Integer => sqlite3_bind_int64(_handle, index, value.AsInteger),
            SqlValueKind.Real => sqlite3_bind_double(_handle, index, value.AsReal),
            SqlValueKind.Text => BindText(index, value.AsText),
            SqlValueKind.Blob => BindBlob(index, value.AsBlob),
            _ => sqlite3_bind_null(_handle, index),
        };
        if (rc != raw.SQLITE_OK)
        {
            throw rc == raw.SQLITE_RANGE
                ? new SqliteException($"parameter {index} is out of range: the statement takes {ParameterCount}", rc)
                : _connection.Error(rc);
        }
    }

    // As UTF-8 bytes with their length, so a text holding NUL characters is kept whole; SQLite copies them.
    private int BindText(int index, string text)
    {
        byte[]? rented = null;
        var buffer = Encoding.UTF8.GetMaxByteCount(text.Length) <= StackTextLimit
            ? stackalloc byte[StackTextLimit]
            : (rented = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetByteCount(text)));
        try
        {
            var length = Encoding.UTF8.GetBytes(text, buffer);
            fixed (byte* bytes = buffer)
            {
                return sqlite3_bind_text(_handle, index, bytes, length, Transient);
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private int BindBlob(int index, byte[] blob)
    {
        if (blob.Length == 0)
        {
            // A zero-length blob, not NULL (a null pointer would bind NULL).
            return sqlite3_bind_zeroblob(_handle, index, 0);
        }

        fixed (byte* bytes = blob)
        {
            return sqlite3_bind_blob(_handle, index, bytes, blob.Length, Transient);
        }
    }

    /// <summary>Steps once. Returns true when a row is available.</summary>
    public bool Step()
    {
        var rc = sqlite3_step(_handle);
        return rc switch
        {
            raw.SQLITE_ROW => true,
            raw.SQLITE_DONE => false,
            _ => throw _connection.Error(rc),
        };
    }

    public SqlValueKind ColumnKind(int index) => (SqlValueKind)sqlite3_column_type(_handle, index);

    public long GetInt64(int index) => sqlite3_column_int64(_handle, index);

    public double GetDouble(int index) => sqlite3_column_double(_handle, index);

    // With its length (sqlite3_column_bytes after the pointer, as SQLite requires), so NUL characters are kept.
    public string GetText(int index)
    {
        var text = sqlite3_column_text(_handle, index);
        return text is null ? string.Empty : Encoding.UTF8.GetString(text, sqlite3_column_bytes(_handle, index));
    }

    public ReadOnlySpan<byte> GetBlobSpan(int index)
    {
        var blob = sqlite3_column_blob(_handle, index);
        return blob is null ? [] : new ReadOnlySpan<byte>(blob, sqlite3_column_bytes(_handle, index));
    }

    /// <summary>The UTF-8 bytes of a column, without decoding (valid until the next step or reset).</summary>
    public ReadOnlySpan<byte> GetTextUtf8(int index)
    {
        var text = sqlite3_column_text(_handle, index);
        return text is null ? [] : new ReadOnlySpan<byte>(text, sqlite3_column_bytes(_handle, index));
    }

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
        sqlite3_reset(_handle);
        sqlite3_clear_bindings(_handle);
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
