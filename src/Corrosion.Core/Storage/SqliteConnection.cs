using System.Runtime.CompilerServices;
using SQLitePCL;

namespace Corrosion.Storage;

/// <summary>
/// A thin, synchronous wrapper over one native SQLite connection. Not thread-safe: the writer is owned by one
/// caller at a time and readers come from <see cref="ReaderPool"/>. Prepared statements are cached by SQL text.
/// </summary>
internal sealed class SqliteConnection : IDisposable
{
    private readonly Dictionary<string, SqliteStatement> _cache = new(StringComparer.Ordinal);
    private readonly List<object> _functionRoots = [];
    private sqlite3? _db;

    private SqliteConnection(sqlite3 db, string path, bool readOnly)
    {
        _db = db;
        Path = path;
        IsReadOnly = readOnly;
    }

    public string Path { get; }

    public bool IsReadOnly { get; }

    /// <summary>When a pool last handed this connection out (<see cref="System.Diagnostics.Stopwatch"/> timestamp).</summary>
    internal long RentedAt { get; set; }

    internal sqlite3 Handle => _db ?? throw new ObjectDisposedException(nameof(SqliteConnection));

    /// <summary>Opens (creating if needed, unless read-only) the database file at <paramref name="path"/>.</summary>
    public static SqliteConnection Open(string path, bool readOnly = false, TimeSpan? busyTimeout = null)
    {
        SqliteRuntime.EnsureInitialized();
        var flags = readOnly
            ? raw.SQLITE_OPEN_READONLY
            : raw.SQLITE_OPEN_READWRITE | raw.SQLITE_OPEN_CREATE;
        flags |= raw.SQLITE_OPEN_NOMUTEX | raw.SQLITE_OPEN_URI;
        var rc = raw.sqlite3_open_v2(path, out var db, flags, null);
        if (rc != raw.SQLITE_OK)
        {
            var message = db is null ? raw.sqlite3_errstr(rc).utf8_to_string() : raw.sqlite3_errmsg(db).utf8_to_string();
            db?.Dispose();
            throw new SqliteException($"cannot open database '{path}': {message}", rc);
        }

        raw.sqlite3_extended_result_codes(db, 1);
        raw.sqlite3_busy_timeout(db, (int)(busyTimeout ?? TimeSpan.FromSeconds(30)).TotalMilliseconds);
        return new SqliteConnection(db, path, readOnly);
    }

    /// <summary>
    /// Switches off the triggers stored in the database file for this connection; its TEMP triggers still fire
    /// (SQLITE_DBCONFIG_ENABLE_TRIGGER). It applies to statements prepared from then on.
    /// </summary>
    public void DisableFileTriggers()
    {
        const int EnableTrigger = 1003;
        var rc = raw.sqlite3_db_config(Handle, EnableTrigger, 0, out var enabled);
        if (rc != raw.SQLITE_OK || enabled != 0)
        {
            throw new SqliteException($"cannot switch the file's triggers off: {ErrorMessage}", rc);
        }
    }

    /// <summary>Runs one or more statements that return no rows.</summary>
    public void Execute(string sql)
    {
        var rc = raw.sqlite3_exec(Handle, sql, out var error);
        if (rc != raw.SQLITE_OK)
        {
            throw new SqliteException(error ?? ErrorMessage, rc);
        }
    }

    /// <summary>Runs a cached statement with parameters and returns the number of rows it changed.</summary>
    public int Execute(string sql, params ReadOnlySpan<SqlValue> parameters)
    {
        var statement = Prepare(sql);
        try
        {
            statement.BindAll(parameters);
            while (statement.Step())
            {
            }

            return Changes;
        }
        finally
        {
            statement.Reset();
        }
    }

    /// <summary>Returns the first column of the first row, or <see cref="SqlValue.Null"/>.</summary>
    public SqlValue Scalar(string sql, params ReadOnlySpan<SqlValue> parameters)
    {
        var statement = Prepare(sql);
        try
        {
            statement.BindAll(parameters);
            return statement.Step() ? statement.GetValue(0) : SqlValue.Null;
        }
        finally
        {
            statement.Reset();
        }
    }

    /// <summary>Returns a cached prepared statement. Callers must <see cref="SqliteStatement.Reset"/> it after use.</summary>
    public SqliteStatement Prepare(string sql)
    {
        if (_cache.TryGetValue(sql, out var cached))
        {
            return cached;
        }

        var statement = PrepareUncached(sql);
        _cache[sql] = statement;
        return statement;
    }

    /// <summary>Prepares a statement the caller owns and disposes.</summary>
    public SqliteStatement PrepareUncached(string sql)
    {
        var rc = raw.sqlite3_prepare_v2(Handle, sql, out var stmt, out var tail);
        if (rc != raw.SQLITE_OK)
        {
            stmt?.Dispose();
            throw new SqliteException(ErrorMessage, rc);
        }

        if (stmt is null || stmt.IsInvalid)
        {
            throw new SqliteException("the SQL text holds no statement", raw.SQLITE_MISUSE);
        }

        if (!string.IsNullOrWhiteSpace(tail) && !IsOnlyComments(tail))
        {
            stmt.Dispose();
            throw new SqliteException("only one statement is allowed here; found more SQL after the first statement", raw.SQLITE_MISUSE);
        }

        return new SqliteStatement(this, stmt);
    }

    /// <summary>
    /// Splits <paramref name="sql"/> into statements exactly as SQLite's parser sees them, without running them.
    /// </summary>
    public List<string> SplitStatements(string sql)
    {
        var result = new List<string>();
        var rest = sql;
        while (!string.IsNullOrWhiteSpace(rest) && !IsOnlyComments(rest))
        {
            var rc = raw.sqlite3_prepare_v2(Handle, rest, out var stmt, out var tail);
            try
            {
                if (rc != raw.SQLITE_OK)
                {
                    throw new SqliteException(ErrorMessage, rc);
                }

                var consumed = rest.Length - (tail?.Length ?? 0);
                var text = rest[..consumed].Trim();
                if (stmt is not null && !stmt.IsInvalid)
                {
                    result.Add(text);
                }

                rest = tail ?? string.Empty;
            }
            finally
            {
                stmt?.Dispose();
            }
        }

        return result;
    }

    internal static bool IsOnlyComments(string text)
    {
        var span = text.AsSpan();
        while (true)
        {
            span = span.TrimStart();
            if (span.IsEmpty)
            {
                return true;
            }

            if (span.StartsWith("--"))
            {
                var newline = span.IndexOf('\n');
                if (newline < 0)
                {
                    return true;
                }

                span = span[(newline + 1)..];
            }
            else if (span.StartsWith("/*"))
            {
                var end = span.IndexOf("*/");
                if (end < 0)
                {
                    return true;
                }

                span = span[(end + 2)..];
            }
            else if (span[0] == ';')
            {
                span = span[1..];
            }
            else
            {
                return false;
            }
        }
    }

    public string ErrorMessage => raw.sqlite3_errmsg(Handle).utf8_to_string() ?? "unknown SQLite error";

    public int ErrorCode => raw.sqlite3_extended_errcode(Handle);

    public long LastInsertRowId => SqliteNative.sqlite3_last_insert_rowid(Handle.DangerousGetHandle());

    public int Changes => SqliteNative.sqlite3_changes(Handle.DangerousGetHandle());

    public bool InTransaction => raw.sqlite3_get_autocommit(Handle) == 0;

    /// <summary>Registers a deterministic-or-not scalar function on this connection only.</summary>
    public void CreateFunction(string name, int argumentCount, bool deterministic, Func<SqlValue[], SqlValue> function)
    {
        var flags = raw.SQLITE_UTF8 | (deterministic ? raw.SQLITE_DETERMINISTIC : 0);
        delegate_function_scalar callback = (ctx, _, args) =>
        {
            try
            {
                var values = new SqlValue[args.Length];
                for (var i = 0; i < args.Length; i++)
                {
                    values[i] = SqliteStatement.ReadValue(args[i]);
                }

                SqliteStatement.SetResult(ctx, function(values));
            }
            catch (Exception ex)
            {
                raw.sqlite3_result_error(ctx, ex.Message);
            }
        };
        _functionRoots.Add(callback);
        var rc = raw.sqlite3_create_function(Handle, name, argumentCount, flags, null, callback);
        if (rc != raw.SQLITE_OK)
        {
            throw new SqliteException(ErrorMessage, rc);
        }
    }

    /// <summary>Registers a function with no arguments whose result is computed by the caller.</summary>
    public void CreateFunction(string name, Func<SqlValue> function)
    {
        delegate_function_scalar callback = (ctx, _, _) =>
        {
            try
            {
                SqliteStatement.SetResult(ctx, function());
            }
            catch (Exception ex)
            {
                raw.sqlite3_result_error(ctx, ex.Message);
            }
        };
        _functionRoots.Add(callback);
        var rc = raw.sqlite3_create_function(Handle, name, 0, raw.SQLITE_UTF8, null, callback);
        if (rc != raw.SQLITE_OK)
        {
            throw new SqliteException(ErrorMessage, rc);
        }
    }

    /// <summary>Drops every cached statement (needed after schema changes that invalidate them).</summary>
    public void ClearStatementCache()
    {
        foreach (var statement in _cache.Values)
        {
            statement.Dispose();
        }

        _cache.Clear();
    }

    public void Interrupt() => raw.sqlite3_interrupt(Handle);

    public void Dispose()
    {
        if (_db is null)
        {
            return;
        }

        ClearStatementCache();
        _db.manual_close_v2();
        _db.Dispose();
        _db = null;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    internal SqliteException Error(int rc) => new(ErrorMessage, rc);
}
