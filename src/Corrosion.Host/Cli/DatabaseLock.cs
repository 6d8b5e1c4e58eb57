namespace Corrosion.Host.Cli;

/// <summary>
/// The agent's hold on its database: an exclusive lock on <c>&lt;db.path&gt;.lock</c> for as long as it runs. Two
/// agents on one database file would both write as the actor stored in it and hand out the same version numbers for
/// different changes, which peers can never reconcile; the second one is refused before it opens the database.
/// </summary>
internal sealed class DatabaseLock : IDisposable
{
    private readonly FileStream _file;

    private DatabaseLock(FileStream file) => _file = file;

    /// <summary>Takes the lock, or throws an <see cref="IOException"/> naming <c>db.path</c> when another process holds it.</summary>
    public static DatabaseLock Acquire(string databasePath)
    {
        var full = Path.GetFullPath(databasePath);
        var lockPath = full + ".lock";
        try
        {
            // FileShare.None is an exclusive advisory lock (flock) on Unix and a sharing lock on Windows; both end
            // with the process, so a killed agent leaves nothing to clean up.
            return new DatabaseLock(new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException ex) when (ex is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw new IOException($"db.path: {full} is in use by another corrosion agent (it holds {lockPath}); stop it, or give this one another db.path", ex);
        }
    }

    public void Dispose() => _file.Dispose();
}
