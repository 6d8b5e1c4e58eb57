using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text;

namespace Corrosion.Http.Metrics;

/// <summary>What <see cref="PrometheusExporter"/> keeps for one instrument: its series, keyed by rendered label set.</summary>
internal sealed class InstrumentState
{
    /// <summary>Prometheus client libraries' default buckets, for histograms without bucket advice.</summary>
    private static readonly double[] DefaultBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly ConcurrentDictionary<string, Series> _series = new(StringComparer.Ordinal);
    private readonly Aggregation _aggregation;
    private readonly double[] _buckets;

    public InstrumentState(Instrument instrument)
    {
        Name = PrometheusText.MetricName(instrument.Name);
        Description = instrument.Description;
        IsObservable = instrument.IsObservable;
        var definition = instrument.GetType().IsGenericType ? instrument.GetType().GetGenericTypeDefinition() : instrument.GetType();
        (_aggregation, Type) = definition switch
        {
            _ when definition == typeof(Counter<>) => (Aggregation.Sum, "counter"),
            _ when definition == typeof(ObservableCounter<>) => (Aggregation.Last, "counter"),
            _ when definition == typeof(UpDownCounter<>) => (Aggregation.Sum, "gauge"),
            _ when definition == typeof(Histogram<>) => (Aggregation.Histogram, "histogram"),
            _ => (Aggregation.Last, "gauge"),
        };
        _buckets = _aggregation == Aggregation.Histogram ? BucketsOf(instrument) : [];
    }

    private enum Aggregation
    {
        Sum,
        Last,
        Histogram,
    }

    public string Name { get; }

    public string? Description { get; }

    public string Type { get; }

    public bool IsObservable { get; }

    public void Clear() => _series.Clear();

    public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var labels = tags.IsEmpty ? string.Empty : PrometheusText.Labels(tags);
        if (!_series.TryGetValue(labels, out var series))
        {
            series = _series.GetOrAdd(labels, _ => new Series(_buckets.Length));
        }

        switch (_aggregation)
        {
            case Aggregation.Sum:
                series.Add(value);
                break;
            case Aggregation.Last:
                series.Set(value);
                break;
            default:
                series.Observe(value, _buckets);
                break;
        }
    }

    public void WriteSamples(StringBuilder text)
    {
        foreach (var (labels, series) in _series.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            if (_aggregation == Aggregation.Histogram)
            {
                series.WriteHistogram(text, Name, labels, _buckets);
            }
            else
            {
                PrometheusText.WriteSample(text, Name, labels, series.Value);
            }
        }
    }

    private static double[] BucketsOf(Instrument instrument)
    {
        var advice = instrument switch
        {
            Histogram<double> h => h.Advice?.HistogramBucketBoundaries,
            Histogram<float> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
            Histogram<long> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
            Histogram<int> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
            _ => null,
        };
        var buckets = advice is { Count: > 0 } ? [.. advice] : DefaultBuckets;
        return [.. buckets.Where(b => !double.IsNaN(b) && !double.IsPositiveInfinity(b)).Distinct().Order()];
    }

    /// <summary>One label set's value (sum or last) or histogram.</summary>
    private sealed class Series(int buckets)
    {
        private readonly long[] _bucketCounts = new long[buckets];
        private readonly Lock _gate = new();
        private double _value;
        private long _count;

        public double Value => Volatile.Read(ref _value);

        public void Add(double value)
        {
            double seen, next;
            do
            {
                seen = Volatile.Read(ref _value);
                next = seen + value;
            }
            while (Interlocked.CompareExchange(ref _value, next, seen) != seen);
        }

        public void Set(double value) => Volatile.Write(ref _value, value);

        public void Observe(double value, double[] bounds)
        {
            // The first bucket whose upper bound is >= value; past the last bound only +Inf (the count) holds it.
            var index = Array.BinarySearch(bounds, value);
            if (index < 0)
            {
                index = ~index;
            }

            lock (_gate)
            {
                if (index < _bucketCounts.Length)
                {
                    _bucketCounts[index]++;
                }

                _value += value;
                _count++;
            }
        }

        public void WriteHistogram(StringBuilder text, string name, string labels, double[] bounds)
        {
            long[] counts;
            double sum;
            long count;
            lock (_gate)
            {
                counts = (long[])_bucketCounts.Clone();
                sum = _value;
                count = _count;
            }

            long cumulative = 0;
            for (var i = 0; i < bounds.Length; i++)
            {
                cumulative += counts[i];
                PrometheusText.WriteSample(text, name + "_bucket", PrometheusText.WithLe(labels, PrometheusText.FormatValue(bounds[i])), cumulative);
            }

            PrometheusText.WriteSample(text, name + "_bucket", PrometheusText.WithLe(labels, "+Inf"), count);
            PrometheusText.WriteSample(text, name + "_sum", labels, sum);
            PrometheusText.WriteSample(text, name + "_count", labels, count);
        }
    }
}
