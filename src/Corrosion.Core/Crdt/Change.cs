using Corrosion.Storage;

namespace Corrosion.Crdt;

/// <summary>
/// One row of cr-sqlite's <c>crsql_changes</c>: a column (or the row sentinel, <c>cid = "-1"</c>) of a primary
/// key at a column version, stamped with the origin actor's db_version and seq.
/// </summary>
public sealed record Change(
    string Table,
    byte[] Pk,
    string Cid,
    SqlValue Val,
    long ColVersion,
    long DbVersion,
    ActorId SiteId,
    long Cl,
    long Seq)
{
    /// <summary>The sentinel column name cr-sqlite uses for row create/delete.</summary>
    public const string SentinelCid = "-1";

    public bool IsSentinel => Cid == SentinelCid;

    public bool Equals(Change? other) =>
        other is not null && Table == other.Table && Pk.AsSpan().SequenceEqual(other.Pk) && Cid == other.Cid &&
        Val.Equals(other.Val) && ColVersion == other.ColVersion && DbVersion == other.DbVersion &&
        SiteId == other.SiteId && Cl == other.Cl && Seq == other.Seq;

    public override int GetHashCode() => HashCode.Combine(Table, Cid, ColVersion, DbVersion, SiteId, Cl, Seq);
}

/// <summary>
/// The changes of one actor's version, or a seq sub-range of them (a chunk). A version is complete on a receiver
/// once it holds seqs <c>0..=LastSeq</c>. A changeset with <see cref="IsCleared"/> says the versions
/// <see cref="Version"/>..=<see cref="LastVersion"/> no longer hold any change (all were overwritten).
/// </summary>
public sealed record Changeset(
    ActorId ActorId,
    long Version,
    IReadOnlyList<Change> Changes,
    long SeqStart,
    long SeqEnd,
    long LastSeq,
    ulong Timestamp)
{
    public long LastVersion { get; init; } = Version;

    public bool IsCleared { get; init; }

    public bool IsComplete => IsCleared || (SeqStart == 0 && SeqEnd == LastSeq);

    /// <summary>
    /// Splits a complete or partial changeset into chunks of at most <paramref name="maxChanges"/> changes whose seq
    /// ranges are contiguous and together cover this changeset's range.
    /// </summary>
    public IReadOnlyList<Changeset> Chunk(int maxChanges)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxChanges, 1);
        if (IsCleared || Changes.Count <= maxChanges)
        {
            return [this];
        }

        var chunks = new List<Changeset>();
        var start = SeqStart;
        for (var i = 0; i < Changes.Count; i += maxChanges)
        {
            var part = Changes.Skip(i).Take(maxChanges).ToList();
            var end = i + maxChanges >= Changes.Count ? SeqEnd : part[^1].Seq;
            chunks.Add(this with { Changes = part, SeqStart = start, SeqEnd = end });
            start = end + 1;
        }

        return chunks;
    }

    public static Changeset Cleared(ActorId actorId, long firstVersion, long lastVersion, ulong timestamp = 0) =>
        new(actorId, firstVersion, [], 0, 0, 0, timestamp) { LastVersion = lastVersion, IsCleared = true };
}
