using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text;
using Corrosion.Metrics;

namespace Corrosion.Http.Metrics;

/// <summary>
/// Aggregates the measurements of Corrosion's instruments with a <see cref="MeterListener"/> and writes them in
/// Prometheus' text format (0.0.4): counters add up, gauges keep their last value, histograms count into fixed
/// buckets. Observable instruments are read when a scrape collects. Only instruments of the meter
/// <see cref="CorrosionMeter.Name"/> created by this service provider's <see cref="IMeterFactory"/> are exported, so
/// several nodes in one process each export their own.
/// </summary>
internal sealed class PrometheusExporter : IDisposable
{
    /// <summary>The exposition's content type.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly MeterListener _listener;
    private readonly ConcurrentDictionary<Instrument, InstrumentState> _instruments = new();
    private readonly Lock _collectGate = new();

    public PrometheusExporter(IMeterFactory meterFactory)
        : this(instrument => instrument.Meter.Name == CorrosionMeter.Name && ReferenceEquals(instrument.Meter.Scope, meterFactory))
    {
    }

    /// <summary>Exports the instruments <paramref name="include"/> accepts (for nodes built without dependency injection).</summary>
    public PrometheusExporter(Func<Instrument, bool> include)
    {
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (include(instrument))
                {
                    var state = _instruments.GetOrAdd(instrument, static i => new InstrumentState(i));
                    listener.EnableMeasurementEvents(instrument, state);
                }
            },
            MeasurementsCompleted = (instrument, _) => _instruments.TryRemove(instrument, out InstrumentState? _),
        };
        _listener.SetMeasurementEventCallback<long>(static (_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>(static (_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<short>(static (_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<byte>(static (_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<double>(static (_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<float>(static (_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<decimal>(static (_, value, tags, state) => ((InstrumentState)state!).Record((double)value, tags));
        _listener.Start();
    }

    /// <summary>Reads the observable instruments, then writes every exported metric.</summary>
    public string Collect()
    {
        lock (_collectGate)
        {
            foreach (var state in _instruments.Values)
            {
                if (state.IsObservable)
                {
                    // An observation is the whole current truth: a label set not reported again (a dropped table) is gone.
                    state.Clear();
                }
            }

            _listener.RecordObservableInstruments();
            var text = new StringBuilder(4096);
            foreach (var group in _instruments.Values.GroupBy(s => s.Name, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                // Two instruments may share a name (two meters of one factory): one HELP/TYPE header, all their series.
                var first = group.First();
                PrometheusText.WriteHeader(text, first.Name, first.Description, first.Type);
                foreach (var state in group)
                {
                    state.WriteSamples(text);
                }
            }

            return text.ToString();
        }
    }

    public void Dispose() => _listener.Dispose();
}
