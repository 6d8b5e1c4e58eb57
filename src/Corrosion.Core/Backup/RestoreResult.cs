namespace Corrosion.Backup;

/// <summary>
/// What <see cref="CorrosionBackup.RestoreAsync"/> did: the actor now at ordinal 0 (null when none was chosen, so the
/// node makes a fresh one when it opens), the database's size before and after, and whether a subscriptions
/// directory was deleted.
/// </summary>
public sealed record RestoreResult(ActorId? ActorId, long OldLength, long NewLength, bool ClearedSubscriptions);
