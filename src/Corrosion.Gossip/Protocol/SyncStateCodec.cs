using System.Buffers;
using Corrosion.Crdt;
using Corrosion.Gossip.Transport;

namespace Corrosion.Gossip.Protocol;

/// <summary>
/// The binary form of a <see cref="SyncState"/>, exchanged at the start of anti-entropy. Version 1:
/// <c>[1][actor:16][heads: count, (actor, head)*][need: count, (actor, count, (start, end)*)*]
/// [partial: count, (actor, count, (version, count, (start, end)*)*)*]</c>.
/// </summary>
internal static class SyncStateCodec
{
    public const byte Version = 1;

    private const int MaxActors = 1 << 16;
    private const int MaxRanges = 1 << 20;

    public static byte[] Encode(SyncState state)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new WireWriter(buffer);
        writer.WriteByte(Version);
        writer.WriteActorId(state.ActorId);
        writer.WriteVarUInt((ulong)state.Heads.Count);
        foreach (var (actor, head) in state.Heads)
        {
            writer.WriteActorId(actor);
            writer.WriteVarUInt((ulong)head);
        }

        writer.WriteVarUInt((ulong)state.Need.Count);
        foreach (var (actor, ranges) in state.Need)
        {
            writer.WriteActorId(actor);
            WriteRanges(writer, ranges);
        }

        writer.WriteVarUInt((ulong)state.PartialNeed.Count);
        foreach (var (actor, versions) in state.PartialNeed)
        {
            writer.WriteActorId(actor);
            writer.WriteVarUInt((ulong)versions.Count);
            foreach (var (version, ranges) in versions)
            {
                writer.WriteVarUInt((ulong)version);
                WriteRanges(writer, ranges);
            }
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static SyncState Decode(ReadOnlySequence<byte> payload)
    {
        var reader = new WireReader(payload);
        var version = reader.ReadByte();
        if (version != Version)
        {
            throw new PeerProtocolException($"sync state encoding version {version} is not supported (this node speaks {Version})");
        }

        var self = reader.ReadActorId();
        var heads = new Dictionary<ActorId, long>();
        var count = reader.ReadVarLong("head count", MaxActors);
        for (var i = 0; i < count; i++)
        {
            heads[reader.ReadActorId()] = reader.ReadVarLong("head");
        }

        var need = new Dictionary<ActorId, IReadOnlyList<InclusiveRange>>();
        count = reader.ReadVarLong("need count", MaxActors);
        for (var i = 0; i < count; i++)
        {
            need[reader.ReadActorId()] = ReadRanges(ref reader);
        }

        var partial = new Dictionary<ActorId, IReadOnlyDictionary<long, IReadOnlyList<InclusiveRange>>>();
        count = reader.ReadVarLong("partial count", MaxActors);
        for (var i = 0; i < count; i++)
        {
            var actor = reader.ReadActorId();
            var versions = new Dictionary<long, IReadOnlyList<InclusiveRange>>();
            var versionCount = reader.ReadVarLong("partial version count", MaxRanges);
            for (var v = 0; v < versionCount; v++)
            {
                versions[reader.ReadVarLong("partial version")] = ReadRanges(ref reader);
            }

            partial[actor] = versions;
        }

        if (!reader.End)
        {
            throw new PeerProtocolException("sync state has trailing bytes");
        }

        return new SyncState(self, heads, need, partial);
    }

    private static void WriteRanges(WireWriter writer, IReadOnlyList<InclusiveRange> ranges)
    {
        writer.WriteVarUInt((ulong)ranges.Count);
        foreach (var range in ranges)
        {
            writer.WriteVarUInt((ulong)range.Start);
            writer.WriteVarUInt((ulong)range.End);
        }
    }

    private static List<InclusiveRange> ReadRanges(ref WireReader reader)
    {
        var count = reader.ReadVarLong("range count", MaxRanges);
        var ranges = new List<InclusiveRange>((int)Math.Min(count, 1024));
        for (var i = 0; i < count; i++)
        {
            var start = reader.ReadVarLong("range start");
            var end = reader.ReadVarLong("range end");
            if (end < start)
            {
                throw new PeerProtocolException($"range {start}..={end} is empty");
            }

            ranges.Add(new InclusiveRange(start, end));
        }

        return ranges;
    }
}
