using System.Diagnostics.Metrics;
using Corrosion.Http.Metrics;
using Corrosion.Http.Tests.Fixtures;

namespace Corrosion.Http.Tests.Metrics;

/// <summary>The exposition format: names, types, escaping, histogram buckets and observable series.</summary>
public sealed class PrometheusExporterTests : IDisposable
{
    private readonly Meter _meter = new("Corrosion.Tests." + Guid.NewGuid());
    private readonly PrometheusExporter _exporter;

    public PrometheusExporterTests()
    {
        _exporter = new PrometheusExporter(instrument => ReferenceEquals(instrument.Meter, _meter));
    }

    public void Dispose()
    {
        _exporter.Dispose();
        _meter.Dispose();
    }

    private PrometheusScrape Scrape() => PrometheusScrape.Parse(_exporter.Collect());

    [Fact]
    public void Counter_names_turn_dots_into_underscores_without_a_total_suffix_and_sum_per_label_set()
    {
        var counter = _meter.CreateCounter<long>("corro.changes.committed", description: "changes");
        counter.Add(2, new KeyValuePair<string, object?>("table", "a"));
        counter.Add(3, new KeyValuePair<string, object?>("table", "a"));
        counter.Add(7, new KeyValuePair<string, object?>("table", "b"));

        var text = _exporter.Collect();

        text.Should().Be(
            "# HELP corro_changes_committed changes\n" +
            "# TYPE corro_changes_committed counter\n" +
            "corro_changes_committed{table=\"a\"} 5\n" +
            "corro_changes_committed{table=\"b\"} 7\n");
    }

    [Fact]
    public void Label_values_escape_backslash_quote_and_newline_and_label_names_are_sorted_and_sanitized()
    {
        const string Nasty = "back\\slash \"quoted\"\nnext line";
        var counter = _meter.CreateCounter<int>("c");
        counter.Add(1, new KeyValuePair<string, object?>("z.last", Nasty), new KeyValuePair<string, object?>("a", 42));

        var text = _exporter.Collect();

        text.Should().Contain("c{a=\"42\",z_last=\"back\\\\slash \\\"quoted\\\"\\nnext line\"} 1\n");
        text.Split('\n').Should().HaveCount(3, "the newline in the value does not break the line: " + text);
        PrometheusScrape.Parse(text).Value("c", ("z_last", Nasty)).Should().Be(1, "the escaped value parses back to the original");
    }

    [Fact]
    public void Help_text_escapes_backslash_and_newline()
    {
        _meter.CreateCounter<long>("h", description: "first\\line\nsecond").Add(1);

        _exporter.Collect().Should().StartWith("# HELP h first\\\\line\\nsecond\n# TYPE h counter\n");
    }

    [Fact]
    public void Histogram_buckets_are_cumulative_with_inf_sum_and_count_and_a_bound_is_inclusive()
    {
        var histogram = _meter.CreateHistogram("corro.x.seconds", "s", null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 1, 10] });
        foreach (var value in (double[])[0.05, 0.1, 0.5, 1, 5, 50])
        {
            histogram.Record(value, new KeyValuePair<string, object?>("queue", "write"));
        }

        var text = _exporter.Collect();

        text.Should().Be(
            "# TYPE corro_x_seconds histogram\n" +
            "corro_x_seconds_bucket{queue=\"write\",le=\"0.1\"} 2\n" +
            "corro_x_seconds_bucket{queue=\"write\",le=\"1\"} 4\n" +
            "corro_x_seconds_bucket{queue=\"write\",le=\"10\"} 5\n" +
            "corro_x_seconds_bucket{queue=\"write\",le=\"+Inf\"} 6\n" +
            "corro_x_seconds_sum{queue=\"write\"} 56.65\n" +
            "corro_x_seconds_count{queue=\"write\"} 6\n");
    }

    [Fact]
    public void Histogram_without_advice_uses_the_default_buckets_and_no_labels()
    {
        _meter.CreateHistogram<double>("lat").Record(0.003);

        var scrape = Scrape();

        scrape.Of("lat_bucket").Select(b => b.Labels["le"]).Should().Equal("0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf");
        scrape.Of("lat_bucket").Should().OnlyContain(b => b.Value == 1);
        scrape.Value("lat_count").Should().Be(1);
    }

    [Fact]
    public void Gauges_keep_the_last_value_and_up_down_counters_are_gauges()
    {
        var gauge = _meter.CreateGauge<double>("g");
        gauge.Record(5);
        gauge.Record(-2.5);
        var streams = _meter.CreateUpDownCounter<long>("corro.api.active.streams");
        streams.Add(1);
        streams.Add(1);
        streams.Add(-1);

        var scrape = Scrape();

        scrape.Types.Should().Equal(new Dictionary<string, string> { ["corro_api_active_streams"] = "gauge", ["g"] = "gauge" });
        scrape.Value("g").Should().Be(-2.5);
        scrape.Value("corro_api_active_streams").Should().Be(1);
    }

    [Fact]
    public void Observable_instruments_are_read_at_each_scrape_and_a_label_set_not_reported_again_disappears()
    {
        var tables = new List<string> { "a", "b" };
        long total = 10;
        _meter.CreateObservableGauge("rows", () => tables.Select(t => new Measurement<long>(t.Length, new KeyValuePair<string, object?>("table", t))));
        _meter.CreateObservableCounter("recv", () => total);

        var first = Scrape();
        tables.Remove("b");
        total = 25;
        var second = Scrape();

        first.Of("rows").Should().HaveCount(2);
        first.Types["recv"].Should().Be("counter");
        first.Value("recv").Should().Be(10);
        second.Of("rows").Select(s => s.Labels["table"]).Should().Equal("a");
        second.Value("recv").Should().Be(25, "an observable counter reports its running total, not an increment");
    }

    [Fact]
    public void Values_are_formatted_invariantly_with_special_values_spelled_out()
    {
        var gauge = _meter.CreateGauge<double>("v");
        gauge.Record(0.1 + 0.2, new KeyValuePair<string, object?>("k", "sum"));
        gauge.Record(double.NaN, new KeyValuePair<string, object?>("k", "nan"));
        gauge.Record(double.PositiveInfinity, new KeyValuePair<string, object?>("k", "inf"));
        gauge.Record(1e21, new KeyValuePair<string, object?>("k", "big"));
        gauge.Record(0.00005, new KeyValuePair<string, object?>("k", "small"));

        var text = _exporter.Collect();

        text.Should().Contain("v{k=\"sum\"} 0.30000000000000004\n")
            .And.Contain("v{k=\"nan\"} NaN\n")
            .And.Contain("v{k=\"inf\"} +Inf\n")
            .And.Contain("v{k=\"big\"} 1e+21\n")
            .And.Contain("v{k=\"small\"} 5e-05\n");
        PrometheusScrape.Parse(text).Value("v", ("k", "big")).Should().Be(1e21);
    }

    [Fact]
    public void Instruments_of_other_meters_are_not_exported()
    {
        using var other = new Meter("Corrosion");
        other.CreateCounter<long>("corro.changes.committed").Add(5);
        _meter.CreateCounter<long>("mine").Add(1);

        Scrape().Types.Keys.Should().Equal("mine");
    }
}
