namespace Corrosion.Backup;

/// <summary>
/// What <see cref="CorrosionBackup.RestoreAsync"/> did: the actor now at ordinal 0 (null when none was chosen, so the
/// node makes a fresh one when it opens), the database's size before and after, and whether a subscriptions
/// directory was deleted.
/// </summary>
/// <param name="ActorId">The actor now at ordinal 0 (the node's own), or <see langword="null"/> when none was chosen.</param>
/// <param name="OldLength">The database file's size in bytes before the restore (0 if there was none).</param>
/// <param name="NewLength">The database file's size in bytes after the restore.</param>
/// <param name="ClearedSubscriptions">Whether a subscriptions directory was deleted.</param>
public sealed record RestoreResult(ActorId? ActorId, long OldLength, long NewLength, bool ClearedSubscriptions);
