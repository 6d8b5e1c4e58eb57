namespace Corrosion.Backup;

/// <summary>
/// What <see cref="CorrosionBackup.CreateAsync"/> wrote: the backup file, the actor that was the node's own (now an
/// ordinary actor at <see cref="ActorOrdinal"/>, null if the database had none) and the file's size.
/// </summary>
/// <param name="Path">The backup file's full path.</param>
/// <param name="ActorId">The node's own actor at the time of the backup, or <see langword="null"/> if the database had none.</param>
/// <param name="ActorOrdinal">The ordinal that actor has in the backup, or <see langword="null"/> if the database had none.</param>
/// <param name="Length">The backup file's size in bytes.</param>
public sealed record BackupResult(string Path, ActorId? ActorId, long? ActorOrdinal, long Length);
