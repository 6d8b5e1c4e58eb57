using System.Diagnostics.Metrics;
using System.IO.Pipelines;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Corrosion.Http;

/// <summary>
/// Writes newline-delimited JSON events straight into a response's <see cref="PipeWriter"/> with one
/// <see cref="Utf8JsonWriter"/>. Events are committed to the pipe as they are written and sent to the client when
/// <see cref="FlushAsync"/> is called, or by <see cref="EndEventAsync"/> once enough bytes are waiting, so a long
/// stream is neither buffered whole nor flushed once per tiny event.
/// </summary>
internal sealed class NdjsonWriter : IAsyncDisposable
{
    private readonly PipeWriter _output;
    private readonly Utf8JsonWriter _json;
    private readonly int _flushThreshold;
    private UpDownCounter<long>? _activeStreams;
    private long _unflushed;

    public NdjsonWriter(PipeWriter output, int flushThreshold = 16 * 1024)
    {
        _output = output;
        _flushThreshold = flushThreshold;
        _json = new Utf8JsonWriter(output, JsonValueMapping.WriterOptions);
    }

    /// <summary>The media type of every NDJSON stream the API answers with.</summary>
    public const string ContentType = "application/x-ndjson";

    /// <summary>
    /// Answers 200 with the NDJSON content type, uncached, and returns a writer for the body. The stream counts in
    /// <paramref name="activeStreams"/> (<c>corro.api.active.streams</c>) until the writer is disposed.
    /// </summary>
    public static NdjsonWriter StartResponse(HttpResponse response, UpDownCounter<long>? activeStreams = null)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = ContentType;
        response.Headers.CacheControl = "no-cache";
        var writer = new NdjsonWriter(response.BodyWriter) { _activeStreams = activeStreams };
        activeStreams?.Add(1);
        return writer;
    }

    /// <summary>The writer for the current event: write exactly one JSON value, then call <see cref="EndEventAsync"/>.</summary>
    public Utf8JsonWriter Json => _json;

    /// <summary>Ends the current event with a newline; flushes when enough bytes wait or <paramref name="flush"/> asks.</summary>
    public ValueTask EndEventAsync(bool flush, CancellationToken cancellationToken)
    {
        _json.Flush();
        _unflushed += _json.BytesCommitted + 1;
        var span = _output.GetSpan(1);
        span[0] = (byte)'\n';
        _output.Advance(1);
        _json.Reset();
        return flush || _unflushed >= _flushThreshold ? FlushAsync(cancellationToken) : ValueTask.CompletedTask;
    }

    /// <summary>Sends what has been written so far.</summary>
    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        _unflushed = 0;
        await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync()
    {
        Interlocked.Exchange(ref _activeStreams, null)?.Add(-1);
        return _json.DisposeAsync();
    }
}
