using Corrosion.Crdt;
using Corrosion.Storage;

namespace Corrosion.Core.Tests.Crdt;

/// <summary>The SQL function the capture runs per inserted row packs exactly as <see cref="PackedPk"/> does.</summary>
public sealed class PackColumnsFunctionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("corrosion-pack-").FullName;
    private readonly SqliteConnection _db;

    public PackColumnsFunctionTests()
    {
        _db = SqliteConnection.Open(Path.Combine(_dir, "pack.db"));
        PackColumnsFunction.Register(_db);
    }

    public static TheoryData<SqlValue[]> Keys() => new()
    {
        { [SqlValue.FromInteger(0)] },
        { [SqlValue.FromInteger(-1)] },
        { [SqlValue.FromInteger(long.MaxValue), SqlValue.FromInteger(256)] },
        { [SqlValue.FromReal(-2.25)] },
        { [SqlValue.FromText(string.Empty)] },
        { [SqlValue.FromText("héllo ✓")] },
        { [SqlValue.FromText(new string('x', 70_000))] },
        { [SqlValue.FromBlob([])] },
        { [SqlValue.FromBlob([0xCA, 0xFE])] },
        { [SqlValue.FromBlob(new byte[600])] },
        { [SqlValue.Null] },
        { [SqlValue.FromInteger(7), SqlValue.FromText("a"), SqlValue.Null, SqlValue.FromBlob([1]), SqlValue.FromReal(1.5)] },
    };

    [Theory]
    [MemberData(nameof(Keys))]
    public void Packs_byte_for_byte_as_the_managed_packer(SqlValue[] columns)
    {
        var placeholders = string.Join(", ", columns.Select((_, i) => $"?{i + 1}"));

        var packed = _db.Scalar($"SELECT crsql_pack_columns({placeholders})", columns);

        Convert.ToHexString(packed.AsBlob).Should().Be(Convert.ToHexString(PackedPk.Pack(columns)));
    }

    [Fact]
    public void Refuses_no_columns_with_a_clear_error()
    {
        var act = () => _db.Scalar("SELECT crsql_pack_columns()");

        act.Should().Throw<SqliteException>().WithMessage("*crsql_pack_columns takes 1 to 255 columns*");
    }

    public void Dispose()
    {
        _db.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
