using Corrosion.Storage;

namespace Corrosion.Crdt;

/// <summary>
/// Which versions of each actor this node holds: the highest one (<c>crsql_db_versions</c>), the missing ranges
/// below it (<c>__corro_bookkeeping_gaps</c>) and the seq ranges received of partial versions
/// (<c>__corro_seq_bookkeeping</c>). Kept in memory, written through to the database inside the caller's
/// transaction; reloaded from the database if that transaction rolls back.
/// </summary>
internal sealed class VersionBookkeeping
{
    private readonly Dictionary<ActorId, ActorVersions> _actors = [];

    public sealed class ActorVersions
    {
        public long Head { get; set; }

        public RangeSet Gaps { get; } = new();

        public Dictionary<long, PartialVersion> Partials { get; } = [];
    }

    public sealed class PartialVersion
    {
        public RangeSet Seqs { get; } = new();

        public long LastSeq { get; set; }

        public bool IsComplete => Seqs.ContainsAll(new InclusiveRange(0, LastSeq));
    }

    public IReadOnlyDictionary<ActorId, ActorVersions> Actors => _actors;

    public void Load(SqliteConnection db)
    {
        _actors.Clear();
        using (var heads = db.PrepareUncached("SELECT site_id, db_version FROM crsql_db_versions"))
        {
            while (heads.Step())
            {
                Get(new ActorId(heads.GetBlobSpan(0))).Head = heads.GetInt64(1);
            }
        }

        using (var gaps = db.PrepareUncached("SELECT actor_id, start, \"end\" FROM __corro_bookkeeping_gaps"))
        {
            while (gaps.Step())
            {
                Get(new ActorId(gaps.GetBlobSpan(0))).Gaps.Add(new InclusiveRange(gaps.GetInt64(1), gaps.GetInt64(2)));
            }
        }

        using var partials = db.PrepareUncached("SELECT site_id, db_version, start_seq, end_seq, last_seq FROM __corro_seq_bookkeeping");
        while (partials.Step())
        {
            var actor = Get(new ActorId(partials.GetBlobSpan(0)));
            var version = partials.GetInt64(1);
            if (!actor.Partials.TryGetValue(version, out var partial))
            {
                partial = new PartialVersion { LastSeq = partials.GetInt64(4) };
                actor.Partials[version] = partial;
            }

            partial.Seqs.Add(new InclusiveRange(partials.GetInt64(2), partials.GetInt64(3)));
        }
    }

    public long HeadOf(ActorId actor) => _actors.TryGetValue(actor, out var versions) ? versions.Head : 0;

    public bool Contains(ActorId actor, long version) =>
        _actors.TryGetValue(actor, out var versions) && version <= versions.Head && !versions.Gaps.Contains(version);

    /// <summary>Records versions as held (applied, or known to be empty) and persists heads and gaps.</summary>
    public void MarkKnown(SqliteConnection db, ActorId actor, InclusiveRange versions)
    {
        var state = Get(actor);
        var before = state.Gaps.Ranges.ToList();
        if (versions.Start > state.Head + 1)
        {
            state.Gaps.Add(new InclusiveRange(state.Head + 1, versions.Start - 1));
        }

        state.Gaps.Remove(versions);
        RaiseHead(db, actor, state, versions.End);
        PersistGaps(db, actor, before, state.Gaps.Ranges);
    }

    /// <summary>
    /// Records that versions up to <paramref name="version"/> exist without holding them: the ones above the head
    /// become gaps and the head rises to <paramref name="version"/>, so they are asked for by sync and, for this
    /// node's own actor, never written again locally (its next local version is above the head).
    /// </summary>
    /// <returns>True if the head rose.</returns>
    public bool MarkMissing(SqliteConnection db, ActorId actor, long version)
    {
        var state = Get(actor);
        if (version <= state.Head)
        {
            return false;
        }

        var before = state.Gaps.Ranges.ToList();
        state.Gaps.Add(new InclusiveRange(state.Head + 1, version));
        RaiseHead(db, actor, state, version);
        PersistGaps(db, actor, before, state.Gaps.Ranges);
        return true;
    }

    private static void RaiseHead(SqliteConnection db, ActorId actor, ActorVersions state, long version)
    {
        if (version > state.Head)
        {
            state.Head = version;
            db.Execute(
                "INSERT INTO crsql_db_versions (site_id, db_version) VALUES (?1, ?2) " +
                "ON CONFLICT DO UPDATE SET db_version = excluded.db_version WHERE excluded.db_version > db_version",
                actor.ToByteArray(), version);
        }
    }

    private static void PersistGaps(SqliteConnection db, ActorId actor, List<InclusiveRange> before, IReadOnlyList<InclusiveRange> after)
    {
        foreach (var removed in before.Except(after))
        {
            db.Execute("DELETE FROM __corro_bookkeeping_gaps WHERE actor_id = ?1 AND start = ?2", actor.ToByteArray(), removed.Start);
        }

        foreach (var added in after.Except(before))
        {
            db.Execute(
                "INSERT OR REPLACE INTO __corro_bookkeeping_gaps (actor_id, start, \"end\") VALUES (?1, ?2, ?3)",
                actor.ToByteArray(), added.Start, added.End);
        }
    }

    /// <summary>Raises an actor's head in memory only (the caller persisted it in its transaction).</summary>
    public void MarkKnownInMemory(ActorId actor, long version)
    {
        var state = Get(actor);
        state.Head = Math.Max(state.Head, version);
    }

    /// <summary>Records a received chunk of a partial version; returns the version's state.</summary>
    public PartialVersion RecordChunk(SqliteConnection db, ActorId actor, long version, InclusiveRange seqs, long lastSeq, ulong timestamp)
    {
        var state = Get(actor);
        if (!state.Partials.TryGetValue(version, out var partial))
        {
            partial = new PartialVersion { LastSeq = lastSeq };
            state.Partials[version] = partial;
        }

        // A version read back after some of its changes were overwritten reports a lower last seq: what is gone was
        // superseded by changes that replicate on their own, so the lower bound is the one to wait for.
        partial.LastSeq = Math.Min(partial.LastSeq, lastSeq);
        partial.Seqs.Add(seqs);
        var site = actor.ToByteArray();
        db.Execute("DELETE FROM __corro_seq_bookkeeping WHERE site_id = ?1 AND db_version = ?2", site, version);
        foreach (var range in partial.Seqs.Ranges)
        {
            db.Execute(
                "INSERT INTO __corro_seq_bookkeeping (site_id, db_version, start_seq, end_seq, last_seq, ts) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                site, version, range.Start, range.End, partial.LastSeq, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return partial;
    }

    public void ClearPartial(SqliteConnection db, ActorId actor, long version)
    {
        Get(actor).Partials.Remove(version);
        db.Execute("DELETE FROM __corro_seq_bookkeeping WHERE site_id = ?1 AND db_version = ?2", actor.ToByteArray(), version);
    }

    public SyncState Snapshot(ActorId self)
    {
        var heads = new Dictionary<ActorId, long>();
        var need = new Dictionary<ActorId, IReadOnlyList<InclusiveRange>>();
        var partialNeed = new Dictionary<ActorId, IReadOnlyDictionary<long, IReadOnlyList<InclusiveRange>>>();
        foreach (var (actor, versions) in _actors)
        {
            heads[actor] = versions.Head;
            if (!versions.Gaps.IsEmpty)
            {
                need[actor] = [.. versions.Gaps.Ranges];
            }

            if (versions.Partials.Count > 0)
            {
                partialNeed[actor] = versions.Partials.ToDictionary(
                    p => p.Key,
                    p => (IReadOnlyList<InclusiveRange>)p.Value.Seqs.Missing(new InclusiveRange(0, p.Value.LastSeq)));
            }
        }

        return new SyncState(self, heads, need, partialNeed);
    }

    private ActorVersions Get(ActorId actor)
    {
        if (!_actors.TryGetValue(actor, out var versions))
        {
            versions = new ActorVersions();
            _actors[actor] = versions;
        }

        return versions;
    }
}
