using Corrosion.Storage;
using SQLitePCL;

namespace Corrosion.Backup;

/// <summary>
/// <c>corrosion backup</c> and <c>corrosion restore</c> on database files. A backup is a <c>VACUUM INTO</c> copy
/// made generic: the node's own actor is moved off ordinal 0 (so any node can adopt the file) and per-node state
/// (members, consul hashes) is cleared. A restore copies a backup into place through SQLite's backup API, which
/// takes the target's locks, so readers never see a half-written file; it can make an actor the node's own.
/// A restore must not run under a live agent (its in-memory state would no longer match): the caller checks.
/// </summary>
public static class CorrosionBackup
{
    private const int PagesPerStep = 1024;

    /// <summary>Writes a generic backup of the database at <paramref name="databasePath"/> to <paramref name="destination"/>.</summary>
    /// <exception cref="CorrosionException">The database is missing or unreadable, or the destination already exists.</exception>
    public static Task<BackupResult> CreateAsync(string databasePath, string destination, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(databasePath);
        ArgumentException.ThrowIfNullOrEmpty(destination);
        return Task.Run(() => Create(Path.GetFullPath(databasePath), Path.GetFullPath(destination), cancellationToken), cancellationToken);
    }

    /// <summary>
    /// Replaces the database at <paramref name="databasePath"/> (creating it if missing) with the backup at
    /// <paramref name="backupPath"/>, which is left untouched, and deletes the subscriptions directory.
    /// </summary>
    /// <exception cref="CorrosionException">The backup is missing or not a Corrosion database, the chosen actor cannot be found, or the target stayed locked.</exception>
    public static Task<RestoreResult> RestoreAsync(string backupPath, string databasePath, RestoreOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(backupPath);
        ArgumentException.ThrowIfNullOrEmpty(databasePath);
        ArgumentNullException.ThrowIfNull(options);
        return Task.Run(() => Restore(Path.GetFullPath(backupPath), Path.GetFullPath(databasePath), options, cancellationToken), cancellationToken);
    }

    private static BackupResult Create(string databasePath, string destination, CancellationToken cancellationToken)
    {
        if (!File.Exists(databasePath))
        {
            throw new CorrosionException($"there is no database at {databasePath}");
        }

        if (File.Exists(destination) || Directory.Exists(destination))
        {
            throw new CorrosionException($"{destination} already exists; refusing to overwrite it");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        using (var source = Open(databasePath, readOnly: false, TimeSpan.FromSeconds(30)))
        {
            RequireCorrosionDatabase(source, databasePath);
            Run(() => source.Execute("VACUUM INTO ?1", destination), $"could not copy {databasePath} to {destination}");
        }

        cancellationToken.ThrowIfCancellationRequested();
        (ActorId Actor, long Ordinal)? moved;
        try
        {
            using var copy = Open(destination, readOnly: false, TimeSpan.FromSeconds(30));
            copy.Execute("BEGIN IMMEDIATE");
            try
            {
                moved = SiteIdRemapper.Generalize(copy);
                copy.Execute("DELETE FROM __corro_members");
                foreach (var table in new[] { "__corro_subs", "__corro_consul_services", "__corro_consul_checks" })
                {
                    if (SiteIdRemapper.TableExists(copy, table))
                    {
                        copy.Execute($"DROP TABLE {SqlText.Id(table)}");
                    }
                }

                copy.Execute("COMMIT");
            }
            catch
            {
                copy.Execute("ROLLBACK");
                throw;
            }

            // WAL so a restore can copy it in online; checkpointed so the single file is the whole backup.
            copy.Execute("PRAGMA journal_mode = WAL");
            copy.Execute("PRAGMA wal_checkpoint(TRUNCATE)");
        }
        catch
        {
            DeleteDatabaseFiles(destination);
            throw;
        }

        return new BackupResult(destination, moved?.Actor, moved?.Ordinal, new FileInfo(destination).Length);
    }

    private static RestoreResult Restore(string backupPath, string databasePath, RestoreOptions options, CancellationToken cancellationToken)
    {
        if (!File.Exists(backupPath))
        {
            throw new CorrosionException($"there is no backup at {backupPath}");
        }

        if (options.KeepSelfActorId && options.ActorId is not null)
        {
            throw new CorrosionException("choose either to keep this node's actor id or to take a given one, not both");
        }

        var actor = options.ActorId ?? (options.KeepSelfActorId ? ReadOwnActor(databasePath) : null);
        var directory = Path.GetDirectoryName(databasePath)!;
        Directory.CreateDirectory(directory);
        var work = Path.Combine(directory, $".{Path.GetFileName(databasePath)}.restore-{Guid.NewGuid():N}");
        try
        {
            using (var backup = Open(backupPath, readOnly: false, TimeSpan.FromSeconds(30)))
            {
                RequireCorrosionDatabase(backup, backupPath);
                Run(() => backup.Execute("VACUUM INTO ?1", work), $"could not read the backup {backupPath}");
            }

            cancellationToken.ThrowIfCancellationRequested();
            using (var copy = Open(work, readOnly: false, TimeSpan.FromSeconds(30)))
            {
                copy.Execute("BEGIN IMMEDIATE");
                try
                {
                    // A file copied rather than made by CreateAsync still has its node's actor at ordinal 0.
                    SiteIdRemapper.Generalize(copy);
                    if (actor is { } chosen)
                    {
                        SiteIdRemapper.MakeLocal(copy, chosen);

                        // Peers may hold versions of this actor written after the backup: until its first sync the
                        // node would not know their numbers and could reuse them (CorrosionNode holds its writes).
                        copy.Execute(InternalTables.StateDdl);
                        copy.Execute("INSERT OR REPLACE INTO __corro_state (key, value) VALUES (?1, 1)", InternalTables.OwnActorCatchUpKey);
                    }

                    copy.Execute("COMMIT");
                }
                catch
                {
                    copy.Execute("ROLLBACK");
                    throw;
                }
            }

            var cleared = DeleteSubscriptions(options.SubscriptionsPath ?? Path.Combine(directory, "subscriptions"));
            cancellationToken.ThrowIfCancellationRequested();
            var oldLength = File.Exists(databasePath) ? new FileInfo(databasePath).Length : 0;
            CopyInto(work, databasePath, options.LockTimeout, cancellationToken);
            return new RestoreResult(actor, oldLength, new FileInfo(databasePath).Length, cleared);
        }
        finally
        {
            DeleteDatabaseFiles(work);
        }
    }

    /// <summary>Copies every page of <paramref name="source"/> over <paramref name="target"/> under the target's write lock.</summary>
    private static void CopyInto(string source, string target, TimeSpan lockTimeout, CancellationToken cancellationToken)
    {
        using var from = Open(source, readOnly: false, lockTimeout);
        using var to = Open(target, readOnly: false, lockTimeout);
        var deadline = DateTime.UtcNow + lockTimeout;
        if (from.Scalar("PRAGMA page_size").AsInteger != to.Scalar("PRAGMA page_size").AsInteger)
        {
            // A WAL database cannot change its page size in place; leave WAL for the copy (it is set again after).
            Run(() => to.Execute("PRAGMA journal_mode = DELETE"), $"could not prepare {target} for a backup with another page size");
        }

        var backup = raw.sqlite3_backup_init(to.Handle, "main", from.Handle, "main")
            ?? throw new CorrosionException($"could not start copying into {target}: {to.ErrorMessage}");
        var finished = raw.SQLITE_OK;
        try
        {
            while (true)
            {
                var rc = raw.sqlite3_backup_step(backup, PagesPerStep);
                if (rc == raw.SQLITE_DONE)
                {
                    break;
                }

                if (rc is raw.SQLITE_BUSY or raw.SQLITE_LOCKED)
                {
                    if (DateTime.UtcNow > deadline)
                    {
                        throw new CorrosionException($"the database {target} stayed locked for {lockTimeout.TotalSeconds:0}s; is another process using it?");
                    }

                    Thread.Sleep(50);
                }
                else if (rc != raw.SQLITE_OK)
                {
                    throw new CorrosionException($"could not copy the backup into {target}: {raw.sqlite3_errstr(rc).utf8_to_string()}");
                }

                cancellationToken.ThrowIfCancellationRequested();
            }
        }
        finally
        {
            finished = raw.sqlite3_backup_finish(backup);
        }

        if (finished != raw.SQLITE_OK)
        {
            throw new CorrosionException($"could not copy the backup into {target}: {to.ErrorMessage}");
        }

        to.Execute("PRAGMA journal_mode = WAL");
        to.Execute("PRAGMA wal_checkpoint(TRUNCATE)");
    }

    private static ActorId ReadOwnActor(string databasePath)
    {
        if (!File.Exists(databasePath))
        {
            throw new CorrosionException($"there is no database at {databasePath} to keep the actor id of");
        }

        using var db = Open(databasePath, readOnly: false, TimeSpan.FromSeconds(30));
        RequireCorrosionDatabase(db, databasePath);
        var site = db.Scalar("SELECT site_id FROM crsql_site_id WHERE ordinal = 0");
        return site.IsNull
            ? throw new CorrosionException($"the database at {databasePath} has no actor id of its own to keep")
            : new ActorId(site.AsBlob);
    }

    private static bool DeleteSubscriptions(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
            return true;
        }
        catch (DirectoryNotFoundException)
        {
            return false;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CorrosionException($"could not delete the subscriptions at {path}, nothing was restored: {ex.Message}", ex);
        }
    }

    private static void RequireCorrosionDatabase(SqliteConnection db, string path)
    {
        var isCorrosion = Run(() => SiteIdRemapper.TableExists(db, "crsql_site_id"), $"could not read {path}");
        if (!isCorrosion)
        {
            throw new CorrosionException($"{path} is not a Corrosion database (it has no crsql_site_id table)");
        }
    }

    private static SqliteConnection Open(string path, bool readOnly, TimeSpan busyTimeout)
    {
        try
        {
            return SqliteConnection.Open(path, readOnly, busyTimeout);
        }
        catch (SqliteException ex)
        {
            throw new CorrosionException(ex.Message, ex);
        }
    }

    private static T Run<T>(Func<T> action, string what)
    {
        try
        {
            return action();
        }
        catch (SqliteException ex)
        {
            throw new CorrosionException($"{what}: {ex.Message}", ex);
        }
    }

    private static void Run(Action action, string what) => Run(() =>
    {
        action();
        return 0;
    }, what);

    private static void DeleteDatabaseFiles(string path)
    {
        foreach (var file in new[] { path, path + "-wal", path + "-shm", path + "-journal" })
        {
            File.Delete(file);
        }
    }
}
