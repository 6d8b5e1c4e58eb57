namespace Corrosion.Storage;

/// <summary>Points SQLitePCLRaw at the bundled e_sqlite3 native library, once per process.</summary>
internal static class SqliteRuntime
{
    private static readonly Lazy<bool> Initialized = new(() =>
    {
        SQLitePCL.raw.SetProvider(new SQLitePCL.SQLite3Provider_e_sqlite3());

        // Memory statistics take a process-wide mutex on every allocation; nothing here reads them. This only
        // succeeds before SQLite initializes, so a host that already used SQLite keeps its own setting.
        _ = SQLitePCL.raw.sqlite3_config(SQLitePCL.raw.SQLITE_CONFIG_MEMSTATUS, 0);
        return true;
    });

    public static void EnsureInitialized() => _ = Initialized.Value;

    public static string Version
    {
        get
        {
            EnsureInitialized();
            return SQLitePCL.raw.sqlite3_libversion().utf8_to_string();
        }
    }
}
