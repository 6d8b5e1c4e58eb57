namespace Corrosion.Backup;

/// <summary>
/// What <see cref="CorrosionBackup.CreateAsync"/> wrote: the backup file, the actor that was the node's own (now an
/// ordinary actor at <see cref="ActorOrdinal"/>, null if the database had none) and the file's size.
/// </summary>
public sealed record BackupResult(string Path, ActorId? ActorId, long? ActorOrdinal, long Length);
