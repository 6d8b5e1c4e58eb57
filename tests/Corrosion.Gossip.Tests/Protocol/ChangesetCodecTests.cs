using System.Buffers;
using Corrosion.Crdt;
using Corrosion.Gossip.Protocol;
using Corrosion.Gossip.Transport;
using Corrosion.Storage;
using FluentAssertions;
using Xunit;

namespace Corrosion.Gossip.Tests.Protocol;

public sealed class ChangesetCodecTests
{
    private static readonly ActorId Actor = ActorId.Parse("a3f72d6d38a24d0daee8258e10071f13");

    private static Changeset Sample() => new(
        Actor,
        7,
        [
            new Change("todos", PackedPk.Pack([SqlValue.FromText("some-id")]), "title", SqlValue.FromText("Write some Corrosion docs! ✓"), 1, 7, Actor, 1, 0),
            new Change("todos", PackedPk.Pack([SqlValue.FromText("some-id")]), "completed_at", SqlValue.Null, 1, 7, Actor, 1, 1),
            new Change("todos", PackedPk.Pack([SqlValue.FromInteger(-5)]), "n", SqlValue.FromInteger(long.MinValue), 3, 7, Actor, 3, 2),
            new Change("todos", PackedPk.Pack([SqlValue.FromInteger(9)]), "r", SqlValue.FromReal(-0.5), 2, 7, Actor, 1, 3),
            new Change("todos", PackedPk.Pack([SqlValue.FromInteger(9)]), "b", SqlValue.FromBlob([0, 1, 255]), 2, 7, Actor, 1, 4),
            new Change("todos", PackedPk.Pack([SqlValue.FromInteger(9)]), "-1", SqlValue.Null, 2, 7, Actor, 2, 5),
        ],
        0,
        5,
        9,
        123456789UL << 32);

    [Fact]
    public void Round_trips_every_field()
    {
        var original = Sample();
        var decoded = ChangesetCodec.Decode(new ReadOnlySequence<byte>(ChangesetCodec.Encode(original)));
        decoded.Should().BeEquivalentTo(original, o => o.ComparingByMembers<Changeset>().ComparingByMembers<Change>().ComparingByValue<SqlValue>());
        decoded.Changes.Should().Equal(original.Changes);
        decoded.IsComplete.Should().BeFalse();
    }

    [Fact]
    public void Round_trips_a_cleared_range()
    {
        var cleared = Changeset.Cleared(Actor, 3, 99, 42);
        var decoded = ChangesetCodec.Decode(new ReadOnlySequence<byte>(ChangesetCodec.Encode(cleared)));
        decoded.IsCleared.Should().BeTrue();
        decoded.Version.Should().Be(3);
        decoded.LastVersion.Should().Be(99);
        decoded.Timestamp.Should().Be(42);
    }

    [Fact]
    public void Every_truncation_is_a_protocol_error()
    {
        var bytes = ChangesetCodec.Encode(Sample());
        for (var length = 0; length < bytes.Length; length++)
        {
            var act = () => ChangesetCodec.Decode(new ReadOnlySequence<byte>(bytes, 0, length));
            act.Should().Throw<PeerProtocolException>($"a message cut at {length} of {bytes.Length} bytes is incomplete");
        }
    }

    [Fact]
    public void Random_bytes_and_bit_flips_never_throw_anything_but_protocol_errors()
    {
        var random = new Random(1234);
        var valid = ChangesetCodec.Encode(Sample());
        for (var i = 0; i < 20_000; i++)
        {
            byte[] input;
            if (i % 2 == 0)
            {
                input = new byte[random.Next(1, 200)];
                random.NextBytes(input);
                input[0] = ChangesetCodec.Version;
            }
            else
            {
                input = (byte[])valid.Clone();
                input[random.Next(input.Length)] ^= (byte)(1 << random.Next(8));
            }

            try
            {
                ChangesetCodec.Decode(new ReadOnlySequence<byte>(input));
            }
            catch (PeerProtocolException)
            {
            }
        }
    }

    [Fact]
    public void An_unknown_version_names_both_versions()
    {
        var bytes = ChangesetCodec.Encode(Sample());
        bytes[0] = 9;
        var act = () => ChangesetCodec.Decode(new ReadOnlySequence<byte>(bytes));
        act.Should().Throw<PeerProtocolException>().WithMessage("*version 9*speaks 1*");
    }
}

public sealed class SyncStateCodecTests
{
    [Fact]
    public void Round_trips_heads_needs_and_partials()
    {
        var a = ActorId.NewRandom();
        var b = ActorId.NewRandom();
        var state = new SyncState(
            a,
            new Dictionary<ActorId, long> { [a] = 10, [b] = 4_000_000_000 },
            new Dictionary<ActorId, IReadOnlyList<InclusiveRange>> { [b] = [new(1, 3), new(7, 7)] },
            new Dictionary<ActorId, IReadOnlyDictionary<long, IReadOnlyList<InclusiveRange>>>
            {
                [b] = new Dictionary<long, IReadOnlyList<InclusiveRange>> { [9] = [new(0, 4), new(10, 12)] },
            });

        var decoded = SyncStateCodec.Decode(new ReadOnlySequence<byte>(SyncStateCodec.Encode(state)));
        decoded.ActorId.Should().Be(a);
        decoded.Heads.Should().BeEquivalentTo(state.Heads);
        decoded.Need[b].Should().Equal(new InclusiveRange(1, 3), new InclusiveRange(7, 7));
        decoded.PartialNeed[b][9].Should().Equal(new InclusiveRange(0, 4), new InclusiveRange(10, 12));
    }

    [Fact]
    public void Hostile_input_is_a_protocol_error()
    {
        var random = new Random(99);
        var valid = SyncStateCodec.Encode(new SyncState(ActorId.NewRandom(), new Dictionary<ActorId, long> { [ActorId.NewRandom()] = 3 }, new Dictionary<ActorId, IReadOnlyList<InclusiveRange>>(), new Dictionary<ActorId, IReadOnlyDictionary<long, IReadOnlyList<InclusiveRange>>>()));
        for (var i = 0; i < 10_000; i++)
        {
            var input = (byte[])valid.Clone();
            input[random.Next(input.Length)] = (byte)random.Next(256);
            try
            {
                SyncStateCodec.Decode(new ReadOnlySequence<byte>(input, 0, random.Next(input.Length + 1)));
            }
            catch (PeerProtocolException)
            {
            }
        }
    }
}
