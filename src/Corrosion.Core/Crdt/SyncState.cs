namespace Corrosion.Crdt;

/// <summary>
/// What a node holds of every actor's versions: the highest version (head), the missing ranges below it
/// (need), and for partially received versions the seq ranges still missing.
/// </summary>
public sealed record SyncState(
    ActorId ActorId,
    IReadOnlyDictionary<ActorId, long> Heads,
    IReadOnlyDictionary<ActorId, IReadOnlyList<InclusiveRange>> Need,
    IReadOnlyDictionary<ActorId, IReadOnlyDictionary<long, IReadOnlyList<InclusiveRange>>> PartialNeed);
