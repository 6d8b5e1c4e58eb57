using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Corrosion.Logging;
using Microsoft.Extensions.Logging;

namespace Corrosion.Storage;

/// <summary>
/// Checkpoints the write-ahead log on a connection of its own, beside the writer rather than inside its commits.
/// SQLite's automatic checkpoint runs in the committing connection: every thousand pages one commit copies the
/// log into the database file and syncs it while the writer lock is held. Here the writer's WAL hook only signals,
/// and a background loop runs a PASSIVE checkpoint (which neither waits for nor blocks the writer or readers).
/// If the log outgrows <see cref="HardLimitPages"/> anyway (the loop cannot keep up), the commit checkpoints
/// itself, as SQLite would, so the log stays bounded.
/// </summary>
internal sealed partial class WalCheckpointer : IDisposable
{
    /// <summary>Log size in pages that starts a background checkpoint: SQLite's own auto-checkpoint default.</summary>
    public const int ThresholdPages = 1000;

    /// <summary>Log size in pages at which a commit checkpoints in line, as if there were no background loop.</summary>
    public const int HardLimitPages = 16 * ThresholdPages;

    private const int SqliteCheckpointPassive = 0;
    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;

    private readonly SqliteConnection _writer;
    private readonly SqliteConnection _connection;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _signal = new(0, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;
    private GCHandle _self;
    private long _checkpoints;

    private WalCheckpointer(SqliteConnection writer, SqliteConnection connection, ILogger logger)
    {
        _writer = writer;
        _connection = connection;
        _logger = logger;
        _loop = Task.Run(() => RunAsync(_stopping.Token));
    }

    /// <summary>Checkpoints completed by the background loop.</summary>
    public long Checkpoints => Interlocked.Read(ref _checkpoints);

    /// <summary>Takes over checkpointing of <paramref name="writer"/>'s database (already in WAL mode).</summary>
    public static unsafe WalCheckpointer Attach(SqliteConnection writer, TimeSpan busyTimeout, ILogger logger)
    {
        var connection = SqliteConnection.Open(writer.Path, readOnly: false, busyTimeout);

        // A connection learns that the database is in WAL mode (and opens the log) on its first read; until then
        // a checkpoint on it is a successful no-op.
        _ = connection.Scalar("SELECT count(*) FROM sqlite_schema");
        var checkpointer = new WalCheckpointer(writer, connection, logger);
        checkpointer._self = GCHandle.Alloc(checkpointer);
        _ = sqlite3_wal_hook(writer.Handle.DangerousGetHandle(), &OnCommit, GCHandle.ToIntPtr(checkpointer._self));
        return checkpointer;
    }

    private unsafe int Committed(IntPtr db, byte* database, int pages)
    {
        if (pages >= HardLimitPages)
        {
            // Same as SQLite's default hook: a busy checkpoint is not an error of the commit.
            _ = sqlite3_wal_checkpoint_v2(db, database, SqliteCheckpointPassive, null, null);
        }
        else if (pages >= ThresholdPages && _signal.CurrentCount == 0)
        {
            try
            {
                _signal.Release();
            }
            catch (SemaphoreFullException)
            {
                // Signalled since the check: one pending checkpoint covers every commit before it.
            }
        }

        return 0;
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await _signal.WaitAsync(cancellationToken).ConfigureAwait(false);
                var rc = CheckpointPassive();
                if (rc == 0)
                {
                    Interlocked.Increment(ref _checkpoints);
                }
                else if ((rc & 0xFF) is not SqliteBusy and not SqliteLocked)
                {
                    Log.WalCheckpointFailed(_logger, _connection.ErrorMessage, rc);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private unsafe int CheckpointPassive() =>
        sqlite3_wal_checkpoint_v2(_connection.Handle.DangerousGetHandle(), null, SqliteCheckpointPassive, null, null);

    public void Dispose()
    {
        if (!_self.IsAllocated)
        {
            return;
        }

        // Back to SQLite's own checkpoints for whatever the writer commits while it closes.
        _ = sqlite3_wal_autocheckpoint(_writer.Handle.DangerousGetHandle(), ThresholdPages);
        _self.Free();
        _stopping.Cancel();
        _loop.GetAwaiter().GetResult();
        _connection.Dispose();
        _stopping.Dispose();
        _signal.Dispose();
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static unsafe int OnCommit(IntPtr userData, IntPtr db, byte* database, int pages)
    {
        var self = (WalCheckpointer)GCHandle.FromIntPtr(userData).Target!;
        return self.Committed(db, database, pages);
    }

    [LibraryImport("e_sqlite3")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    private static unsafe partial IntPtr sqlite3_wal_hook(
        IntPtr db,
        delegate* unmanaged[Cdecl]<IntPtr, IntPtr, byte*, int, int> callback,
        IntPtr userData);

    [LibraryImport("e_sqlite3")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    private static partial int sqlite3_wal_autocheckpoint(IntPtr db, int pages);

    [LibraryImport("e_sqlite3")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    private static unsafe partial int sqlite3_wal_checkpoint_v2(IntPtr db, byte* database, int mode, int* logPages, int* checkpointedPages);
}
