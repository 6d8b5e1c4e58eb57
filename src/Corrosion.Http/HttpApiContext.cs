using System.Diagnostics.Metrics;
using Corrosion.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Corrosion.Http;

/// <summary>What every <c>/v1</c> handler needs, resolved once when the routes are mapped.</summary>
internal sealed class HttpApiContext
{
    private readonly IOptions<HttpApiOptions> _options;

    public HttpApiContext(
        ICorrosionNode node,
        IOptions<HttpApiOptions> options,
        ILoggerFactory loggerFactory,
        TimeProvider timeProvider,
        IMeterFactory? meterFactory = null)
    {
        ActiveStreams = meterFactory?.Create(new MeterOptions(CorrosionMeter.Name))
            .CreateUpDownCounter<long>("corro.api.active.streams", "{stream}", "NDJSON responses (queries, subscriptions, updates) being streamed.");
        Node = node;
        _options = options;
        Logger = loggerFactory.CreateLogger("Corrosion.Http.HttpApi");
        TimeProvider = timeProvider;
    }

    public ICorrosionNode Node { get; }

    /// <summary>The options, read on first use (after start-up validation has run).</summary>
    public HttpApiOptions Options => _options.Value;

    public ILogger Logger { get; }

    public TimeProvider TimeProvider { get; }

    /// <summary><c>corro.api.active.streams</c>, when the app has an <see cref="IMeterFactory"/>.</summary>
    public UpDownCounter<long>? ActiveStreams { get; }
}
