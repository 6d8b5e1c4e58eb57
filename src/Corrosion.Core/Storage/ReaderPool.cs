using System.Diagnostics;
using System.Threading.Channels;
using Corrosion.Metrics;

namespace Corrosion.Storage;

/// <summary>A bounded pool of read-only connections, opened on demand.</summary>
internal sealed class ReaderPool : IDisposable
{
    private readonly string _path;
    private readonly TimeSpan _busyTimeout;
    private readonly int _maxConnections;
    private readonly NodeMetrics? _metrics;
    private readonly Channel<SqliteConnection> _idle = Channel.CreateUnbounded<SqliteConnection>();
    private readonly List<SqliteConnection> _all = [];
    private readonly Lock _gate = new();
    private bool _disposed;

    public ReaderPool(string path, int maxConnections, TimeSpan busyTimeout, NodeMetrics? metrics = null)
    {
        _metrics = metrics;
        _path = path;
        _maxConnections = Math.Max(1, maxConnections);
        _busyTimeout = busyTimeout;
    }

    public int Created
    {
        get
        {
            lock (_gate)
            {
                return _all.Count;
            }
        }
    }

    public int Idle => _idle.Reader.Count;

    public async ValueTask<SqliteConnection> RentAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        if (!TryRentNow(out var connection))
        {
            connection = await _idle.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }

        return Rented(connection, started);
    }

    /// <summary>Rents a connection only if one is idle or may still be opened; never waits.</summary>
    public bool TryRent([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SqliteConnection? connection)
    {
        var started = Stopwatch.GetTimestamp();
        if (TryRentNow(out connection))
        {
            connection = Rented(connection, started);
            return true;
        }

        return false;
    }

    private bool TryRentNow([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SqliteConnection? connection)
    {
        if (_idle.Reader.TryRead(out connection))
        {
            return true;
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_all.Count < _maxConnections)
            {
                connection = OpenReader();
                _all.Add(connection);
                return true;
            }
        }

        return false;
    }

    private SqliteConnection Rented(SqliteConnection connection, long started)
    {
        var acquired = Stopwatch.GetTimestamp();
        _metrics?.ReadQueued(started, acquired);
        connection.RentedAt = acquired;
        return connection;
    }

    private SqliteConnection OpenReader()
    {
        var connection = SqliteConnection.Open(_path, readOnly: true, _busyTimeout);

        // The capture triggers name these functions; defining them lets a write statement prepare here, so that it
        // is refused for being a write rather than for an unknown function.
        foreach (var name in (string[])["crsql_internal_sync_bit", "crsql_next_db_version", "crsql_increment_and_get_seq"])
        {
            connection.CreateFunction(name, () => throw new InvalidOperationException("writes are not possible on a read connection"));
        }

        connection.CreateFunction("crsql_pack_columns", -1, deterministic: true, _ => throw new InvalidOperationException("writes are not possible on a read connection"));
        return connection;
    }

    public void Return(SqliteConnection connection)
    {
        _metrics?.ReadHeld(connection.RentedAt);
        lock (_gate)
        {
            if (_disposed)
            {
                connection.Dispose();
                return;
            }
        }

        _idle.Writer.TryWrite(connection);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            foreach (var connection in _all)
            {
                connection.Dispose();
            }

            _all.Clear();
        }
    }
}
