using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Corrosion.Storage;

/// <summary>
/// Refuses, at prepare time, what a client transaction must not do: change the schema, attach databases, run
/// pragmas, manage transactions, or write anything but the replicated tables. Installed through SQLite's
/// authorizer (<c>sqlite3_set_authorizer</c>, reached by P/Invoke on the same native library as SQLitePCLRaw).
/// Writes made by our own capture triggers are always allowed.
/// </summary>
internal sealed unsafe partial class StatementAuthorizer : IDisposable
{
    private const int Ok = 0;
    private const int Deny = 1;

    private readonly Func<string, bool> _isReplicatedTable;
    private GCHandle _self;

    private StatementAuthorizer(Func<string, bool> isReplicatedTable) => _isReplicatedTable = isReplicatedTable;

    /// <summary>Whether client statements are being prepared now (internal statements are never checked).</summary>
    public bool Enforcing { get; set; }

    /// <summary>Why the last statement was refused, for an error message that names the problem.</summary>
    public string? LastDenial { get; private set; }

    public static StatementAuthorizer Install(SqliteConnection connection, Func<string, bool> isReplicatedTable)
    {
        var authorizer = new StatementAuthorizer(isReplicatedTable);
        authorizer._self = GCHandle.Alloc(authorizer);
        var rc = sqlite3_set_authorizer(connection.Handle.DangerousGetHandle(), &Authorize, GCHandle.ToIntPtr(authorizer._self));
        if (rc != 0)
        {
            authorizer.Dispose();
            throw new SqliteException("cannot install the statement authorizer", rc);
        }

        return authorizer;
    }

    /// <summary>
    /// Whether the last client statement prepared updates or deletes rows, or reads a table that is not one of the
    /// schema's (the CRDT metadata, <c>crsql_changes</c>): what must not run before deferred inserts are captured.
    /// </summary>
    public bool TouchesMetadata { get; private set; }

    public void ClearDenial()
    {
        LastDenial = null;
        TouchesMetadata = false;
    }

    public void Dispose()
    {
        if (_self.IsAllocated)
        {
            _self.Free();
        }
    }

    private int Check(int action, string? first, string? second, string? trigger)
    {
        if (Enforcing && (action is 9 or 23 || (action == 20 && first is not null && !_isReplicatedTable(first))))
        {
            TouchesMetadata = true;
        }

        if (!Enforcing || trigger is not null)
        {
            return Ok;
        }

        string? denial = action switch
        {
            >= 1 and <= 8 or 29 => "statements that change the schema are not allowed; use schema files",
            >= 10 and <= 17 or 26 or 30 => "statements that change the schema are not allowed; use schema files",
            19 => $"PRAGMA {first} is not allowed in a transaction",
            22 or 32 => "transaction control statements are not allowed; each request runs in its own transaction",
            24 or 25 => "ATTACH and DETACH are not allowed",
            27 or 28 => null,

            // CREATE/DROP/ALTER write sqlite_master before SQLite asks about the DDL itself: name the real reason.
            9 or 18 or 23 when IsSchemaTable(first) => "statements that change the schema are not allowed; use schema files",
            9 or 18 or 23 when first is not null && !_isReplicatedTable(first) =>
                $"writing to '{first}' is not allowed: only the schema's tables can be written (CRDT metadata is maintained by Corrosion)",
            _ => null,
        };
        if (denial is null)
        {
            return Ok;
        }

        LastDenial = denial;
        return Deny;
    }

    private static bool IsSchemaTable(string? table) =>
        table is not null && (table.Equals("sqlite_master", StringComparison.OrdinalIgnoreCase) ||
                              table.Equals("sqlite_schema", StringComparison.OrdinalIgnoreCase) ||
                              table.Equals("sqlite_temp_master", StringComparison.OrdinalIgnoreCase));

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int Authorize(IntPtr userData, int action, IntPtr first, IntPtr second, IntPtr database, IntPtr trigger)
    {
        try
        {
            var self = (StatementAuthorizer)GCHandle.FromIntPtr(userData).Target!;
            return self.Check(action, Marshal.PtrToStringUTF8(first), Marshal.PtrToStringUTF8(second), Marshal.PtrToStringUTF8(trigger));
        }
        catch
        {
            return Deny;
        }
    }

    [LibraryImport("e_sqlite3")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    private static partial int sqlite3_set_authorizer(
        IntPtr db,
        delegate* unmanaged[Cdecl]<IntPtr, int, IntPtr, IntPtr, IntPtr, IntPtr, int> callback,
        IntPtr userData);
}
