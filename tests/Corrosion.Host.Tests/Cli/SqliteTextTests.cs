using Corrosion.Host.Cli;

namespace Corrosion.Host.Tests.Cli;

public sealed class SqliteTextTests
{
    // Expected strings are what `sqlite3 :memory: 'select <value>'` prints (sqlite3's %!.15g).
    [Theory]
    [InlineData(0.1, "0.1")]
    [InlineData(1.0, "1.0")]
    [InlineData(1e20, "1.0e+20")]
    [InlineData(3.14159265358979, "3.14159265358979")]
    [InlineData(1.0 / 3, "0.333333333333333")]
    [InlineData(1e-5, "1.0e-05")]
    [InlineData(123456789012345678.0, "1.23456789012346e+17")]
    [InlineData(2.5e-4, "0.00025")]
    [InlineData(-0.0, "0.0")]
    [InlineData(-2.5, "-2.5")]
    public void Reals_print_like_sqlite3(double value, string expected)
    {
        SqliteText.FormatReal(value).Should().Be(expected);
    }

    [Theory]
    [InlineData(0.25, "0.25")]
    [InlineData(6.1839e-05, "0.000061839")]
    [InlineData(1.0, "1")]
    [InlineData(0.0, "0")]
    public void Timer_seconds_print_in_plain_decimal(double seconds, string expected)
    {
        SqliteText.FormatSeconds(seconds).Should().Be(expected);
    }
}
