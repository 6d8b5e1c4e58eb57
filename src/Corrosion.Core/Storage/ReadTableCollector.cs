using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Corrosion.Storage;

/// <summary>
/// Finds the tables a statement reads, as SQLite itself resolves them (through views, subqueries and CTEs), by
/// listening to the authorizer's <c>SQLITE_READ</c> callbacks while the statement is prepared. Subscriptions use it
/// to know which committed changes can affect a query.
/// </summary>
internal static unsafe partial class ReadTableCollector
{
    private const int SqliteRead = 20;

    /// <summary>Prepares <paramref name="sql"/> on <paramref name="connection"/> and returns the statement and the tables it reads.</summary>
    public static (SqliteStatement Statement, HashSet<string> Tables) Prepare(SqliteConnection connection, string sql)
    {
        var tables = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var handle = GCHandle.Alloc(tables);
        var db = connection.Handle.DangerousGetHandle();
        try
        {
            var rc = sqlite3_set_authorizer(db, &Authorize, GCHandle.ToIntPtr(handle));
            if (rc != 0)
            {
                throw new SqliteException("cannot install the read-table authorizer", rc);
            }

            return (connection.PrepareUncached(sql), tables);
        }
        finally
        {
            // Statements re-prepared later (after a schema change) must not call back into a freed handle.
            _ = sqlite3_set_authorizer(db, null, IntPtr.Zero);
            handle.Free();
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int Authorize(IntPtr userData, int action, IntPtr first, IntPtr second, IntPtr database, IntPtr trigger)
    {
        try
        {
            if (action == SqliteRead && Marshal.PtrToStringUTF8(first) is { } table)
            {
                ((HashSet<string>)GCHandle.FromIntPtr(userData).Target!).Add(table);
            }
        }
        catch
        {
            // Never let an exception cross into native code.
        }

        return 0;
    }

    [LibraryImport("e_sqlite3")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    private static partial int sqlite3_set_authorizer(
        IntPtr db,
        delegate* unmanaged[Cdecl]<IntPtr, int, IntPtr, IntPtr, IntPtr, IntPtr, int> callback,
        IntPtr userData);
}
