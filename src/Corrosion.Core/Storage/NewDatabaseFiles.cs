using Corrosion.Logging;
using Microsoft.Extensions.Logging;

namespace Corrosion.Storage;

/// <summary>
/// What opening a database that does not exist yet is about to create (the database file, its write-ahead log and
/// shared memory, the subscriptions store, the directories above them), noted before the open. When the open then
/// fails (a bad schema file, say), <see cref="Remove"/> deletes exactly those, so the next attempt starts as new
/// instead of from an empty database. A database that existed before the open is never touched.
/// </summary>
internal sealed class NewDatabaseFiles
{
    private static readonly string[] SqliteSuffixes = [string.Empty, "-wal", "-shm", "-journal"];

    private readonly string _databasePath;
    private readonly List<string> _files;
    private readonly List<string> _directories;

    private NewDatabaseFiles(string databasePath, List<string> files, List<string> directories)
    {
        _databasePath = databasePath;
        _files = files;
        _directories = directories;
    }

    /// <summary>
    /// Notes the files and directories missing before the open; <see langword="null"/> when the database exists (or
    /// is not a plain file path), as there is then nothing the open could create that is safe to delete.
    /// </summary>
    public static NewDatabaseFiles? Note(string databasePath, string subscriptionsDirectory)
    {
        // In-memory and URI databases are not plain files: leave them to SQLite.
        if (databasePath.Length == 0 || databasePath.StartsWith(':') || databasePath.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var database = Path.GetFullPath(databasePath);
        if (File.Exists(database))
        {
            return null;
        }

        var subscriptions = Path.Combine(Path.GetFullPath(subscriptionsDirectory), "subscriptions.sqlite");
        List<string> files = [.. SqliteSuffixes.Select(s => database + s).Concat(SqliteSuffixes.Select(s => subscriptions + s)).Where(f => !File.Exists(f))];
        List<string> directories = [.. MissingDirectories(Path.GetDirectoryName(subscriptions)), .. MissingDirectories(Path.GetDirectoryName(database))];
        return new NewDatabaseFiles(database, files, [.. directories.Distinct(StringComparer.Ordinal).OrderByDescending(d => d.Length)]);
    }

    /// <summary>
    /// Deletes what the failed open created, once every connection is closed. Never throws: the open's own error is
    /// the one to report, so a file that cannot be deleted is only logged.
    /// </summary>
    public void Remove(ILogger logger)
    {
        try
        {
            var removed = 0;
            foreach (var file in _files.Where(File.Exists))
            {
                File.Delete(file);
                removed++;
            }

            // Deepest first, and only if empty: a directory someone else filled meanwhile stays.
            foreach (var directory in _directories)
            {
                if (Directory.Exists(directory) && !Directory.EnumerateFileSystemEntries(directory).Any())
                {
                    Directory.Delete(directory);
                    removed++;
                }
            }

            if (removed > 0)
            {
                Log.NewDatabaseRemoved(logger, _databasePath);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.NewDatabaseRemoveFailed(logger, _databasePath, ex);
        }
    }

    /// <summary>The directories from <paramref name="directory"/> up that do not exist, deepest first.</summary>
    private static IEnumerable<string> MissingDirectories(string? directory)
    {
        while (!string.IsNullOrEmpty(directory) && !Directory.Exists(directory))
        {
            yield return directory;
            directory = Path.GetDirectoryName(directory);
        }
    }
}
