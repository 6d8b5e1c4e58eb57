using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Corrosion.Storage;
using static Corrosion.Storage.SqliteNative;

namespace Corrosion.Crdt;

/// <summary>
/// The per-transaction capture state that our triggers read through <c>crsql_internal_sync_bit()</c>,
/// <c>crsql_next_db_version()</c> and <c>crsql_increment_and_get_seq()</c>. It lives in native memory, handed to
/// SQLite as the functions' user data, so SQLite calls them straight (as <see cref="PackColumnsFunction"/>) rather
/// than through SQLitePCLRaw's managed bridge: update and delete triggers call them for every row and changed column.
/// Dispose only after the connection it was registered on is closed.
/// </summary>
internal sealed unsafe class CaptureState : IDisposable
{
    private Counters* _counters = (Counters*)NativeMemory.AllocZeroed((nuint)sizeof(Counters));

    /// <summary>True while merging remote changes: the capture triggers then do nothing.</summary>
    public bool SyncBit
    {
        get => Live->SyncBit != 0;
        set => Live->SyncBit = value ? 1 : 0;
    }

    /// <summary>The highest local version committed.</summary>
    public long DbVersion
    {
        get => Live->DbVersion;
        set => Live->DbVersion = value;
    }

    /// <summary>The version of the transaction being written, or 0 while it has recorded no change.</summary>
    public long PendingDbVersion
    {
        get => Live->PendingDbVersion;
        set => Live->PendingDbVersion = value;
    }

    /// <summary>The next seq of the transaction being written.</summary>
    public long Seq
    {
        get => Live->Seq;
        set => Live->Seq = value;
    }

    private Counters* Live => _counters is not null ? _counters : throw new ObjectDisposedException(nameof(CaptureState));

    /// <summary>The db_version of the transaction being written, allocated when it first records a change.</summary>
    public long NextDbVersion() => NextDbVersion(Live);

    /// <summary>Reserves <paramref name="count"/> consecutive seqs and returns the first.</summary>
    public long ReserveSeqs(int count)
    {
        var first = Live->Seq;
        Live->Seq = first + count;
        return first;
    }

    /// <summary>Clears the transaction's pending version and seqs (after commit or rollback).</summary>
    public void ResetTransaction()
    {
        Live->PendingDbVersion = 0;
        Live->Seq = 0;
    }

    public void Register(SqliteConnection db)
    {
        Register(db, "crsql_internal_sync_bit"u8, &SyncBitFunction);
        Register(db, "crsql_next_db_version"u8, &NextDbVersionFunction);
        Register(db, "crsql_increment_and_get_seq"u8, &IncrementAndGetSeqFunction);
    }

    public void Dispose()
    {
        if (_counters is not null)
        {
            NativeMemory.Free(_counters);
            _counters = null;
        }
    }

    private void Register(SqliteConnection db, ReadOnlySpan<byte> name, delegate* unmanaged[Cdecl]<IntPtr, int, IntPtr*, void> function)
    {
        // Not deterministic: the values change between statements, and within one as seqs are handed out.
        var rc = sqlite3_create_function_v2(db.Handle.DangerousGetHandle(), name, 0, Utf8, (IntPtr)Live, function, null, null, null);
        if (rc != 0)
        {
            throw new SqliteException($"cannot register {System.Text.Encoding.UTF8.GetString(name)}: {db.ErrorMessage}", rc);
        }
    }

    private static long NextDbVersion(Counters* counters)
    {
        if (counters->PendingDbVersion == 0)
        {
            counters->PendingDbVersion = counters->DbVersion + 1;
        }

        return counters->PendingDbVersion;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void SyncBitFunction(IntPtr context, int count, IntPtr* values) =>
        sqlite3_result_int64(context, ((Counters*)sqlite3_user_data(context))->SyncBit);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void NextDbVersionFunction(IntPtr context, int count, IntPtr* values) =>
        sqlite3_result_int64(context, NextDbVersion((Counters*)sqlite3_user_data(context)));

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void IncrementAndGetSeqFunction(IntPtr context, int count, IntPtr* values) =>
        sqlite3_result_int64(context, ((Counters*)sqlite3_user_data(context))->Seq++);

    [StructLayout(LayoutKind.Sequential)]
    private struct Counters
    {
        public long SyncBit;
        public long DbVersion;
        public long PendingDbVersion;
        public long Seq;
    }
}
