using System.Diagnostics;
using System.Runtime.CompilerServices;
using Corrosion.Tracing;
using Corrosion.Storage;

namespace Corrosion;

/// <summary>
/// A started read-only query: its column names and a stream of rows read one at a time from a reader
/// connection. Dispose it to return the connection to the pool.
/// </summary>
public sealed class QueryResult : IAsyncDisposable
{
    private readonly SqliteStatement _statement;
    private readonly SqliteConnection _connection;
    private readonly Action _release;
    private bool _hasPendingRow;
    private bool _done;
    private bool _disposed;
    private long _rowsRead;

    internal QueryResult(SqliteStatement statement, SqliteConnection connection, IReadOnlyList<string> columns, IReadOnlyList<string?> columnTypes, bool hasFirstRow, TimeSpan elapsed, Action release)
    {
        _statement = statement;
        _connection = connection;
        Columns = columns;
        ColumnTypes = columnTypes;
        _hasPendingRow = hasFirstRow;
        _done = !hasFirstRow;
        Elapsed = elapsed;
        _release = release;
    }

    /// <summary>The result column names, in order.</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>
    /// Each column's declared type when it is a table column (<c>sqlite3_column_decltype</c>, e.g. <c>INTEGER</c>),
    /// or null for an expression.
    /// </summary>
    public IReadOnlyList<string?> ColumnTypes { get; }

    /// <summary>Time to prepare and run the query to its first row (not counting reading every row).</summary>
    public TimeSpan Elapsed { get; }

    /// <summary>The query's span (<see cref="CorrosionActivitySource.Query"/>), ended on dispose; null when untraced.</summary>
    internal Activity? Activity { get; init; }

    /// <summary>
    /// Reads the rows. Row ids count from 1. An error mid-stream (SQLite's, or cancellation) is thrown from the
    /// enumeration; rows read before it were valid.
    /// </summary>
    public async IAsyncEnumerable<QueryRow> ReadRowsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        long rowId = 0;
        var width = Columns.Count;

        // A long step (a big sort or aggregate) is interrupted on cancellation rather than run to its end.
        using var interrupt = cancellationToken.Register(_connection.Interrupt);
        while (!_done)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!_hasPendingRow)
            {
                try
                {
                    if (!_statement.Step())
                    {
                        _done = true;
                        yield break;
                    }
                }
                catch (SqliteException) when (cancellationToken.IsCancellationRequested)
                {
                    _done = true;
                    var cancelled = new OperationCanceledException(cancellationToken);
                    NodeTracing.Failed(Activity, cancelled);
                    throw cancelled;
                }
                catch (SqliteException ex)
                {
                    _done = true;
                    var failed = new StatementException(0, _statement.Sql, ex.Message, ex);
                    NodeTracing.Failed(Activity, failed);
                    throw failed;
                }
            }

            _hasPendingRow = false;
            var values = new SqlValue[width];
            for (var i = 0; i < width; i++)
            {
                values[i] = _statement.GetValue(i);
            }

            _rowsRead = ++rowId;
            yield return new QueryRow(rowId, values);

            // Let other work run between batches of rows on a busy stream.
            if ((rowId & 1023) == 0)
            {
                await Task.Yield();
            }
        }
    }

    /// <summary>Ends the query and returns its reader connection to the pool.</summary>
    public ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            _disposed = true;
            _release();
            if (Activity is { } activity)
            {
                activity.SetTag("corrosion.rows", _rowsRead);
                activity.Dispose();
            }
        }

        return ValueTask.CompletedTask;
    }
}
