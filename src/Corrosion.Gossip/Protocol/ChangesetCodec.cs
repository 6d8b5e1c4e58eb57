using System.Buffers;
using Corrosion.Crdt;
using Corrosion.Gossip.Transport;

namespace Corrosion.Gossip.Protocol;

/// <summary>
/// The binary form of a <see cref="Changeset"/> between peers (broadcast and sync carry it). Layout, version 1:
/// <c>[1][actor:16][version][last_version][flags][seq_start][seq_end][last_seq][ts:u64][count]</c>, then per
/// change <c>[table][pk][cid][val][col_version][cl][seq]</c>; integers are unsigned LEB128 unless noted; a
/// change's site id and db_version are the changeset's actor and version.
/// </summary>
internal static class ChangesetCodec
{
    public const byte Version = 1;

    /// <summary>Upper bounds that keep a hostile message from asking for unbounded memory.</summary>
    public const int MaxChanges = 1 << 20;

    public const int MaxValueBytes = 16 << 20;

    private const int MaxNameBytes = 4096;

    public static void Write(IBufferWriter<byte> output, Changeset changeset)
    {
        var writer = new WireWriter(output);
        writer.WriteByte(Version);
        writer.WriteActorId(changeset.ActorId);
        writer.WriteVarUInt((ulong)changeset.Version);
        writer.WriteVarUInt((ulong)changeset.LastVersion);
        writer.WriteByte(changeset.IsCleared ? (byte)1 : (byte)0);
        writer.WriteVarUInt((ulong)changeset.SeqStart);
        writer.WriteVarUInt((ulong)changeset.SeqEnd);
        writer.WriteVarUInt((ulong)changeset.LastSeq);
        writer.WriteUInt64(changeset.Timestamp);
        writer.WriteVarUInt((ulong)changeset.Changes.Count);
        foreach (var change in changeset.Changes)
        {
            writer.WriteString(change.Table);
            writer.WriteBytes(change.Pk);
            writer.WriteString(change.Cid);
            writer.WriteValue(change.Val);
            writer.WriteVarUInt((ulong)change.ColVersion);
            writer.WriteVarUInt((ulong)change.Cl);
            writer.WriteVarUInt((ulong)change.Seq);
        }
    }

    public static byte[] Encode(Changeset changeset)
    {
        var buffer = new ArrayBufferWriter<byte>();
        Write(buffer, changeset);
        return buffer.WrittenSpan.ToArray();
    }

    public static Changeset Decode(ReadOnlySequence<byte> payload)
    {
        var reader = new WireReader(payload);
        var version = reader.ReadByte();
        if (version != Version)
        {
            throw new PeerProtocolException($"changeset encoding version {version} is not supported (this node speaks {Version})");
        }

        var actor = reader.ReadActorId();
        var dbVersion = reader.ReadVarLong("version");
        var lastVersion = reader.ReadVarLong("last version");
        var flags = reader.ReadByte();
        var seqStart = reader.ReadVarLong("seq start");
        var seqEnd = reader.ReadVarLong("seq end");
        var lastSeq = reader.ReadVarLong("last seq");
        var timestamp = reader.ReadUInt64();
        var count = (int)reader.ReadVarLong("change count", MaxChanges);
        if (dbVersion < 1 || lastVersion < dbVersion || seqEnd < seqStart || lastSeq < seqEnd || flags > 1)
        {
            throw new PeerProtocolException($"changeset header is inconsistent (version {dbVersion}..={lastVersion}, seqs {seqStart}..={seqEnd} of {lastSeq}, flags {flags})");
        }

        var changes = new List<Change>(Math.Min(count, 4096));
        for (var i = 0; i < count; i++)
        {
            var table = reader.ReadString(MaxNameBytes, "table name");
            var pk = reader.ReadBytes(MaxValueBytes, "primary key");
            var cid = reader.ReadString(MaxNameBytes, "column name");
            var val = reader.ReadValue(MaxValueBytes);
            var colVersion = reader.ReadVarLong("col_version");
            var cl = reader.ReadVarLong("causal length");
            var seq = reader.ReadVarLong("seq");
            changes.Add(new Change(table, pk, cid, val, colVersion, dbVersion, actor, cl, seq));
        }

        if (!reader.End)
        {
            throw new PeerProtocolException("changeset has trailing bytes");
        }

        return new Changeset(actor, dbVersion, changes, seqStart, seqEnd, lastSeq, timestamp)
        {
            LastVersion = lastVersion,
            IsCleared = flags == 1,
        };
    }
}
