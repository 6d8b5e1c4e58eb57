using System.Buffers;
using System.Text;
using System.Text.Json;
using Corrosion.Storage;

namespace Corrosion.Http.Tests;

public sealed class JsonValueMappingTests
{
    [Theory]
    [InlineData("null", SqlValueKind.Null, null)]
    [InlineData("true", SqlValueKind.Integer, 1L)]
    [InlineData("false", SqlValueKind.Integer, 0L)]
    [InlineData("42", SqlValueKind.Integer, 42L)]
    [InlineData("-9223372036854775808", SqlValueKind.Integer, long.MinValue)]
    [InlineData("9223372036854775807", SqlValueKind.Integer, long.MaxValue)]
    [InlineData("9223372036854775808", SqlValueKind.Real, 9223372036854775808d)]
    [InlineData("1.5", SqlValueKind.Real, 1.5d)]
    [InlineData("2.0", SqlValueKind.Real, 2d)]
    [InlineData("1e3", SqlValueKind.Real, 1000d)]
    [InlineData("1e400", SqlValueKind.Real, double.PositiveInfinity)]
    [InlineData("\"héllo\"", SqlValueKind.Text, "héllo")]
    [InlineData("\"\"", SqlValueKind.Text, "")]
    public void Scalars_map_to_the_documented_storage_class(string json, SqlValueKind kind, object? expected)
    {
        var value = ToSqlValue(json);

        (value.IsNull ? SqlValueKind.Null : value.Kind).Should().Be(kind);
        value.ToObject().Should().Be(expected);
    }

    [Fact]
    public void An_array_of_bytes_is_a_blob()
    {
        ToSqlValue("[0, 1, 127, 255]").AsBlob.Should().Equal(0, 1, 127, 255);
        ToSqlValue("[]").AsBlob.Should().BeEmpty();
    }

    [Theory]
    [InlineData("[1, 256]", "[1,256]")]
    [InlineData("[1, -1]", "[1,-1]")]
    [InlineData("[1.0, 2]", "[1.0,2]")]
    [InlineData("[\"a\"]", "[\"a\"]")]
    [InlineData("{ \"a\" : [1, {\"b\": null}] }", "{\"a\":[1,{\"b\":null}]}")]
    [InlineData("{\"é\": \"ü\"}", "{\"é\":\"ü\"}")]
    public void Other_arrays_and_objects_are_their_compact_json_as_text(string json, string expected)
    {
        ToSqlValue(json).AsText.Should().Be(expected);
    }

    [Theory]
    [InlineData(0L, "0")]
    [InlineData(long.MaxValue, "9223372036854775807")]
    [InlineData(long.MinValue, "-9223372036854775808")]
    public void Integers_are_json_integers(long value, string expected) => ToJson(SqlValue.FromInteger(value)).Should().Be(expected);

    [Theory]
    [InlineData(2d, "2.0")]
    [InlineData(-0.5d, "-0.5")]
    [InlineData(1e20d, "1e20")]
    [InlineData(5e-8d, "5e-8")]
    [InlineData(0.1d, "0.1")]
    public void Reals_always_carry_a_fraction_or_exponent(double value, string expected) => ToJson(SqlValue.FromReal(value)).Should().Be(expected);

    // serde_json's (ryu's) layout, which the spec's sample responses show ("time":0.000027208, "time":5e-8).
    [Theory]
    [InlineData(0.000027208d, "0.000027208")]
    [InlineData(0.000300708d, "0.000300708")]
    [InlineData(5e-8d, "5e-8")]
    [InlineData(8e-8d, "8e-8")]
    [InlineData(7.37e-5d, "0.0000737")]
    [InlineData(1e-5d, "0.00001")]
    [InlineData(1e-6d, "1e-6")]
    [InlineData(1.5e-7d, "1.5e-7")]
    [InlineData(0.0001d, "0.0001")]
    [InlineData(0d, "0.0")]
    [InlineData(-0d, "-0.0")]
    [InlineData(100d, "100.0")]
    [InlineData(123456.789d, "123456.789")]
    [InlineData(1e15d, "1000000000000000.0")]
    [InlineData(1e16d, "1e16")]
    [InlineData(1.25e16d, "1.25e16")]
    [InlineData(-1.5e300d, "-1.5e300")]
    [InlineData(double.MaxValue, "1.7976931348623157e308")]
    [InlineData(double.Epsilon, "5e-324")]
    public void Floats_are_written_as_serde_json_writes_them(double value, string expected)
    {
        ToJson(SqlValue.FromReal(value)).Should().Be(expected);
        double.Parse(expected, System.Globalization.CultureInfo.InvariantCulture).Should().Be(value);
    }

    [Theory]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    [InlineData(double.NaN)]
    public void Non_finite_reals_are_null(double value) => ToJson(SqlValue.FromReal(value)).Should().Be("null");

    [Fact]
    public void Text_null_and_blob_have_their_documented_json()
    {
        ToJson(SqlValue.FromText("a\"b\nc é")).Should().Be("\"a\\\"b\\nc é\"");
        ToJson(SqlValue.Null).Should().Be("null");
        ToJson(SqlValue.FromBlob([0, 16, 255])).Should().Be("[0,16,255]");
        ToJson(SqlValue.FromBlob([])).Should().Be("[]");
    }

    public static TheoryData<SqlValue> RoundTripValues() => new()
    {
        SqlValue.Null,
        SqlValue.FromInteger(0),
        SqlValue.FromInteger(-7),
        SqlValue.FromInteger(long.MaxValue),
        SqlValue.FromInteger(long.MinValue),
        SqlValue.FromReal(0.0),
        SqlValue.FromReal(3.0),
        SqlValue.FromReal(-2.5),
        SqlValue.FromReal(double.MaxValue),
        SqlValue.FromReal(double.Epsilon),
        SqlValue.FromReal(1e300),
        SqlValue.FromReal(123456789012345678.0),
        SqlValue.FromText(string.Empty),
        SqlValue.FromText("plain"),
        SqlValue.FromText("ünïcödé 🚀 \"quoted\" \\ \t\n"),
        SqlValue.FromText("[1,2,3]"),
        SqlValue.FromBlob([]),
        SqlValue.FromBlob([0, 1, 2, 254, 255]),
    };

    [Theory]
    [MemberData(nameof(RoundTripValues))]
    public void Every_storage_class_round_trips_through_json(SqlValue value)
    {
        var json = ToJson(value);

        var back = ToSqlValue(json);

        back.Kind.Should().Be(value.Kind, "'{0}' should read back as {1}", json, value.Kind);
        back.Should().Be(value, "'{0}' should read back as the same value", json);
    }

    private static SqlValue ToSqlValue(string json)
    {
        using var document = JsonDocument.Parse(json);
        return JsonValueMapping.ToSqlValue(document.RootElement);
    }

    private static string ToJson(SqlValue value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, JsonValueMapping.WriterOptions))
        {
            JsonValueMapping.WriteSqlValue(writer, value);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
