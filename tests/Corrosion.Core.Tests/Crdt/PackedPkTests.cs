using Corrosion.Crdt;
using Corrosion.Storage;

namespace Corrosion.Core.Tests.Crdt;

public sealed class PackedPkTests
{
    [Theory]
    [InlineData(1L, "010901")]
    [InlineData(2L, "010902")]
    [InlineData(0L, "0101")]
    [InlineData(255L, "0109FF")]
    [InlineData(256L, "01110100")]
    [InlineData(-1L, "0141FFFFFFFFFFFFFFFF")]
    public void Integers_pack_as_cr_sqlite_does(long value, string hex)
    {
        Convert.ToHexString(PackedPk.Pack([SqlValue.FromInteger(value)])).Should().Be(hex);
    }

    [Fact]
    public void Text_blob_null_and_real_pack_as_cr_sqlite_does()
    {
        Convert.ToHexString(PackedPk.Pack([SqlValue.FromText("a")])).Should().Be("010B0161");
        Convert.ToHexString(PackedPk.Pack([SqlValue.FromText(string.Empty)])).Should().Be("0103");
        Convert.ToHexString(PackedPk.Pack([SqlValue.FromBlob([0xCA, 0xFE])])).Should().Be("010C02CAFE");
        Convert.ToHexString(PackedPk.Pack([SqlValue.Null])).Should().Be("0105");
        Convert.ToHexString(PackedPk.Pack([SqlValue.FromReal(1.5)])).Should().Be("01023FF8000000000000");
        Convert.ToHexString(PackedPk.Pack([SqlValue.FromInteger(1), SqlValue.FromText("a")])).Should().Be("020901" + "0B0161");
    }

    [Fact]
    public void Round_trips_every_type()
    {
        SqlValue[] values = [SqlValue.FromInteger(long.MaxValue), SqlValue.FromInteger(42), SqlValue.FromReal(-2.25), SqlValue.FromText("héllo"), SqlValue.FromBlob(new byte[300]), SqlValue.Null];
        PackedPk.Unpack(PackedPk.Pack(values)).Should().Equal(values);
    }

    [Theory]
    [InlineData("")]
    [InlineData("02")]
    [InlineData("0109")]
    [InlineData("010B0561")]
    [InlineData("0107")]
    [InlineData("01090100")]
    public void Malformed_bytes_are_refused_with_a_format_error(string hex)
    {
        var act = () => PackedPk.Unpack(Convert.FromHexString(hex));
        act.Should().Throw<FormatException>();
    }
}

public sealed class ChangesetChunkTests
{
    [Fact]
    public void Chunks_cover_the_seq_range_contiguously()
    {
        var actor = ActorId.NewRandom();
        var changes = Enumerable.Range(0, 7).Select(i => new Change("t", [1, 9, 1], "c", SqlValue.FromInteger(i), 1, 1, actor, 1, i * 2)).ToList();
        var chunks = new Changeset(actor, 1, changes, 0, 13, 13, 0).Chunk(3);
        chunks.Select(c => (c.SeqStart, c.SeqEnd, c.Changes.Count)).Should().Equal((0L, 4L, 3), (5L, 10L, 3), (11L, 13L, 1));
        chunks.Should().OnlyContain(c => c.LastSeq == 13);
    }
}
