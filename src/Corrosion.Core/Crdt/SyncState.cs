namespace Corrosion.Crdt;

/// <summary>
/// What a node holds of every actor's versions: the highest version (head), the missing ranges below it
/// (need), and for partially received versions the seq ranges still missing.
/// </summary>
/// <param name="ActorId">The actor id of the node this state describes.</param>
/// <param name="Heads">Per actor, the highest version held.</param>
/// <param name="Need">Per actor, the ranges of versions below its head that are missing.</param>
/// <param name="PartialNeed">Per actor and partially received version, the seq ranges still missing.</param>
public sealed record SyncState(
    ActorId ActorId,
    IReadOnlyDictionary<ActorId, long> Heads,
    IReadOnlyDictionary<ActorId, IReadOnlyList<InclusiveRange>> Need,
    IReadOnlyDictionary<ActorId, IReadOnlyDictionary<long, IReadOnlyList<InclusiveRange>>> PartialNeed);
