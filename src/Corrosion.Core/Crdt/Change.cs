using System.Text;
using Corrosion.Storage;

namespace Corrosion.Crdt;

/// <summary>
/// One row of cr-sqlite's <c>crsql_changes</c>: a column (or the row sentinel, <c>cid = "-1"</c>) of a primary
/// key at a column version, stamped with the origin actor's db_version and seq.
/// </summary>
/// <param name="Table">The table the change belongs to.</param>
/// <param name="Pk">The row's primary key, packed as cr-sqlite packs it (see <see cref="PackedPk"/>).</param>
/// <param name="Cid">The column's name, or <see cref="SentinelCid"/> for the row sentinel.</param>
/// <param name="Val">The column's value (NULL for a sentinel).</param>
/// <param name="ColVersion">The column's version, raised by each write of the column; the higher version wins a conflict.</param>
/// <param name="DbVersion">The version of the origin actor's database that made this change.</param>
/// <param name="SiteId">The origin actor.</param>
/// <param name="Cl">The row's causal length: odd while the row exists, even once it is deleted.</param>
/// <param name="Seq">The change's position within its version, from 0.</param>
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

    /// <summary>Whether this change is the row sentinel (<see cref="Cid"/> is <see cref="SentinelCid"/>): a row created or deleted rather than a column value.</summary>
    public bool IsSentinel => Cid == SentinelCid;

    /// <summary>
    /// About the bytes this change takes on the wire: its names, key and value, plus an allowance for the numbers
    /// and length prefixes around them.
    /// </summary>
    public long ApproximateSize => Encoding.UTF8.GetByteCount(Table) + Pk.Length + Encoding.UTF8.GetByteCount(Cid) + Val.Kind switch
    {
        SqlValueKind.Text => Encoding.UTF8.GetByteCount(Val.AsText),
        SqlValueKind.Blob => Val.AsBlob.Length,
        _ => 9,
    } + 48;

    /// <summary>Whether both changes have the same fields; <see cref="Pk"/> is compared by content, not by reference.</summary>
    public bool Equals(Change? other) =>
        other is not null && Table == other.Table && Pk.AsSpan().SequenceEqual(other.Pk) && Cid == other.Cid &&
        Val.Equals(other.Val) && ColVersion == other.ColVersion && DbVersion == other.DbVersion &&
        SiteId == other.SiteId && Cl == other.Cl && Seq == other.Seq;

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Table, Cid, ColVersion, DbVersion, SiteId, Cl, Seq);
}

/// <summary>
/// The changes of one actor's version, or a seq sub-range of them (a chunk). A version is complete on a receiver
/// once it holds seqs <c>0..=LastSeq</c>. A changeset with <see cref="IsCleared"/> says the versions
/// <see cref="Version"/>..=<see cref="LastVersion"/> no longer hold any change (all were overwritten).
/// </summary>
/// <param name="ActorId">The actor whose version this is.</param>
/// <param name="Version">The version (the actor's db_version); the first one of a cleared range.</param>
/// <param name="Changes">The changes of seqs <paramref name="SeqStart"/>..=<paramref name="SeqEnd"/>, in seq order.</param>
/// <param name="SeqStart">The first seq this changeset holds.</param>
/// <param name="SeqEnd">The last seq this changeset holds, inclusive.</param>
/// <param name="LastSeq">The last seq of the whole version.</param>
/// <param name="Timestamp">The hybrid logical clock stamp of the commit, in NTP64 form (seconds since the Unix epoch in the high 32 bits, the fraction in the low 32); 0 when unknown.</param>
public sealed record Changeset(
    ActorId ActorId,
    long Version,
    IReadOnlyList<Change> Changes,
    long SeqStart,
    long SeqEnd,
    long LastSeq,
    ulong Timestamp)
{
    /// <summary>The last version this changeset covers: <see cref="Version"/> unless it is a cleared range (<see cref="IsCleared"/>).</summary>
    public long LastVersion { get; init; } = Version;

    /// <summary>Whether this changeset says the versions <see cref="Version"/>..=<see cref="LastVersion"/> hold no change any more (it carries no changes).</summary>
    public bool IsCleared { get; init; }

    /// <summary>Whether this changeset holds its whole version (seqs <c>0..=LastSeq</c>) rather than a chunk of it; a cleared changeset is complete.</summary>
    public bool IsComplete => IsCleared || (SeqStart == 0 && SeqEnd == LastSeq);

    /// <summary>The default byte budget of one chunk (<see cref="Chunk(int, long)"/>): well under a peer frame.</summary>
    public const long DefaultMaxChunkBytes = 1 << 20;

    /// <summary>
    /// Splits a complete or partial changeset into chunks of at most <paramref name="maxChanges"/> changes and about
    /// <paramref name="maxBytes"/> bytes (<see cref="Change.ApproximateSize"/>; a single change bigger than that is
    /// a chunk of its own) whose seq ranges are contiguous and together cover this changeset's range.
    /// </summary>
    public IReadOnlyList<Changeset> Chunk(int maxChanges, long maxBytes = DefaultMaxChunkBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxChanges, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1);
        if (IsCleared || Changes.Count == 0)
        {
            return [this];
        }

        var chunks = new List<Changeset>();
        var start = SeqStart;
        var part = new List<Change>();
        var bytes = 0L;
        for (var i = 0; i < Changes.Count; i++)
        {
            var size = Changes[i].ApproximateSize;
            if (part.Count > 0 && (part.Count == maxChanges || bytes + size > maxBytes))
            {
                var end = part[^1].Seq;
                chunks.Add(this with { Changes = part, SeqStart = start, SeqEnd = end });
                start = end + 1;
                part = [];
                bytes = 0;
            }

            part.Add(Changes[i]);
            bytes += size;
        }

        if (chunks.Count == 0)
        {
            return [this];
        }

        chunks.Add(this with { Changes = part, SeqStart = start, SeqEnd = SeqEnd });
        return chunks;
    }

    /// <summary>Creates a changeset saying the versions <paramref name="firstVersion"/>..=<paramref name="lastVersion"/> of <paramref name="actorId"/> no longer hold any change.</summary>
    /// <param name="actorId">The actor whose versions are cleared.</param>
    /// <param name="firstVersion">The first cleared version (becomes <see cref="Version"/>).</param>
    /// <param name="lastVersion">The last cleared version, inclusive (becomes <see cref="LastVersion"/>).</param>
    /// <param name="timestamp">The changeset's timestamp; 0 when unknown.</param>
    public static Changeset Cleared(ActorId actorId, long firstVersion, long lastVersion, ulong timestamp = 0) =>
        new(actorId, firstVersion, [], 0, 0, 0, timestamp) { LastVersion = lastVersion, IsCleared = true };
}
