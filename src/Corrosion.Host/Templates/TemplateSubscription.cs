using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using JsonValueMapping = Corrosion.Http.JsonValueMapping;
using Corrosion.Host.Cli;
using Corrosion.Host.Logging;
using Corrosion.Storage;
using Corrosion.Templates;
using Microsoft.Extensions.Logging;

namespace Corrosion.Host.Templates;

/// <summary>
/// One query's subscription through <c>POST /v1/subscriptions</c>: keeps the result in memory (rows in the query's
/// initial order, new rows appended), applies change events, and bumps a version that wakes
/// <see cref="WaitForChangeAsync"/> callers. A broken stream is resumed with <c>GET /v1/subscriptions/{id}?from=</c>
/// and exponential backoff.
/// </summary>
internal sealed class TemplateSubscription : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly SubscriptionBackoff _backoff;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _gate = new();
    private readonly List<(long Version, TaskCompletionSource<long> Waiter)> _waiters = [];
    private ResultState _live = new();
    private ResultState? _rebuilding;
    private TemplateQueryResult? _snapshot;
    private long _version;
    private long? _lastChangeId;
    private string? _queryId;
    private Task _loop = Task.CompletedTask;
    private int _disposed;
    private long _lastUsed;

    public TemplateSubscription(HttpClient http, TemplateQuery query, ILogger logger, TimeProvider time, SubscriptionBackoff backoff)
    {
        _http = http;
        Query = query;
        _logger = logger;
        _time = time;
        _backoff = backoff;
    }

    public TemplateQuery Query { get; }

    /// <summary>Completes at the first end-of-query; faults if the subscription could not be established.</summary>
    public Task Ready => _ready.Task;

    /// <summary>The query id the agent gave (the <c>corro-query-id</c> header).</summary>
    public string? QueryId
    {
        get
        {
            lock (_gate)
            {
                return _queryId;
            }
        }
    }

    /// <summary>When a render last read this subscription or a watcher last stopped waiting on it (a <see cref="TimeProvider"/> timestamp).</summary>
    public long LastUsed => Interlocked.Read(ref _lastUsed);

    /// <summary>True while some renderer waits for a change of this query.</summary>
    public bool IsWatched
    {
        get
        {
            lock (_gate)
            {
                return _waiters.Count > 0;
            }
        }
    }

    public void Touch() => Interlocked.Exchange(ref _lastUsed, _time.GetTimestamp());

    public void Start()
    {
        Touch();
        _loop = RunAsync(_stop.Token);
    }

    public TemplateQueryResult Snapshot()
    {
        lock (_gate)
        {
            return _snapshot ??= new TemplateQueryResult(_live.Columns, _live.Order.Select(id => (IReadOnlyList<SqlValue>)_live.Rows[id]).ToArray(), _version);
        }
    }

    public async ValueTask<long> WaitForChangeAsync(long version, CancellationToken cancellationToken)
    {
        TaskCompletionSource<long> waiter;
        lock (_gate)
        {
            if (_version > version)
            {
                return _version;
            }

            waiter = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((version, waiter));
        }

        try
        {
            return await waiter.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lock (_gate)
            {
                _waiters.RemoveAll(w => w.Waiter == waiter);
            }

            Touch();
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Two renders that both saw this subscription fail may both dispose it.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var delay = _backoff.Initial;
        while (true)
        {
            string reason;
            try
            {
                var progressed = await ConnectAndReadAsync(cancellationToken).ConfigureAwait(false);
                if (progressed)
                {
                    delay = _backoff.Initial;
                }

                reason = "the stream ended";
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (!_ready.Task.IsCompleted)
            {
                // Nothing rendered from this subscription yet: let the render report it (and retry on its next run).
                _ready.TrySetException(ex is ApiException ? ex : new ApiException(Describe(ex)));
                return;
            }
            catch (Exception ex)
            {
                reason = Describe(ex);
            }

            Log.TemplateSubscriptionBroke(_logger, Query.Sql, reason, delay.TotalMilliseconds);
            try
            {
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _backoff.Max.Ticks));
        }
    }

    private string Describe(Exception ex) => ex switch
    {
        HttpRequestException http when http.StatusCode is null =>
            $"could not reach the Corrosion API at {_http.BaseAddress}: {http.InnerException?.Message ?? http.Message}",
        JsonException json => $"the API sent an event that is not valid: {json.Message}",
        _ => ex.Message,
    };

    /// <summary>One connection: subscribe (or resume), then apply events until the stream ends. True if any event arrived.</summary>
    private async Task<bool> ConnectAndReadAsync(CancellationToken cancellationToken)
    {
        string? queryId;
        long? from;
        lock (_gate)
        {
            (queryId, from) = (_queryId, _lastChangeId);
        }

        using var request = queryId is not null && from is not null
            ? new HttpRequestMessage(HttpMethod.Get, $"v1/subscriptions/{Uri.EscapeDataString(queryId)}?from={from.Value.ToString(CultureInfo.InvariantCulture)}")
            : new HttpRequestMessage(HttpMethod.Post, "v1/subscriptions") { Content = new StringContent(StatementJson(Query), Encoding.UTF8, "application/json") };
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (request.Method == HttpMethod.Get && response.StatusCode == HttpStatusCode.NotFound)
        {
            Log.TemplateSubscriptionGone(_logger, queryId!);
            lock (_gate)
            {
                _queryId = null;
                _lastChangeId = null;
            }

            return true;
        }

        if (!response.IsSuccessStatusCode)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            throw new ApiException(ApiClient.DescribeError(response.StatusCode, text));
        }

        if (request.Method == HttpMethod.Post)
        {
            var id = response.Headers.TryGetValues("corro-query-id", out var values) ? values.FirstOrDefault() : null;
            lock (_gate)
            {
                _queryId = id;
            }

            Log.TemplateSubscribed(_logger, Query.Sql, id ?? "(no id)");
        }
        else
        {
            Log.TemplateSubscriptionResumed(_logger, queryId!, from!.Value);
            // The output may be stale after a gap: render again even if the resumed stream brings nothing new.
            Bump();
        }

        var progressed = false;
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false));
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (SubscriptionEvent.Parse(line) is not { } evt)
            {
                continue;
            }

            progressed = true;
            Apply(evt);
        }

        return progressed;
    }

    private void Apply(SubscriptionEvent evt)
    {
        switch (evt.Kind)
        {
            case SubscriptionEventKind.Columns:
                lock (_gate)
                {
                    // A columns event starts a full result (first subscribe, or a server that resends everything):
                    // build it aside so renders keep seeing the previous complete result until its end-of-query.
                    _rebuilding = new ResultState { Columns = evt.Columns! };
                }

                break;
            case SubscriptionEventKind.Row:
                lock (_gate)
                {
                    (_rebuilding ?? _live).Upsert(evt.RowId, evt.Cells!);
                }

                break;
            case SubscriptionEventKind.EndOfQuery:
                lock (_gate)
                {
                    if (_rebuilding is not null)
                    {
                        _live = _rebuilding;
                        _rebuilding = null;
                    }

                    _lastChangeId = evt.ChangeId ?? _lastChangeId ?? 0;
                }

                Bump();
                _ready.TrySetResult();
                break;
            case SubscriptionEventKind.Change:
                lock (_gate)
                {
                    var state = _rebuilding ?? _live;
                    if (evt.ChangeType == "delete")
                    {
                        state.Delete(evt.RowId);
                    }
                    else
                    {
                        state.Upsert(evt.RowId, evt.Cells!);
                    }

                    _lastChangeId = evt.ChangeId;
                }

                Bump();
                break;
            case SubscriptionEventKind.Error:
                throw new ApiException(evt.Error ?? "the subscription failed");
        }
    }

    private void Bump()
    {
        List<TaskCompletionSource<long>> wake;
        long version;
        lock (_gate)
        {
            version = ++_version;
            _snapshot = null;
            wake = _waiters.Where(w => w.Version < version).Select(w => w.Waiter).ToList();
        }

        foreach (var waiter in wake)
        {
            waiter.TrySetResult(version);
        }
    }

    /// <summary><c>"sql"</c>, <c>["sql", [params]]</c> or <c>["sql", {named}]</c>, with typed parameters.</summary>
    internal static string StatementJson(TemplateQuery query)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            if (query.Parameters.Count == 0 && query.NamedParameters is null)
            {
                writer.WriteStringValue(query.Sql);
            }
            else
            {
                writer.WriteStartArray();
                writer.WriteStringValue(query.Sql);
                if (query.NamedParameters is { } named)
                {
                    writer.WriteStartObject();
                    foreach (var (name, value) in named)
                    {
                        writer.WritePropertyName(name);
                        JsonValueMapping.WriteSqlValue(writer, value);
                    }

                    writer.WriteEndObject();
                }
                else
                {
                    writer.WriteStartArray();
                    foreach (var value in query.Parameters)
                    {
                        JsonValueMapping.WriteSqlValue(writer, value);
                    }

                    writer.WriteEndArray();
                }

                writer.WriteEndArray();
            }
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>A result keyed by row id, in first-seen order.</summary>
    private sealed class ResultState
    {
        public IReadOnlyList<string> Columns { get; init; } = [];

        public List<long> Order { get; } = [];

        public Dictionary<long, SqlValue[]> Rows { get; } = [];

        public void Upsert(long rowId, SqlValue[] cells)
        {
            if (!Rows.ContainsKey(rowId))
            {
                Order.Add(rowId);
            }

            Rows[rowId] = cells;
        }

        public void Delete(long rowId)
        {
            if (Rows.Remove(rowId))
            {
                Order.Remove(rowId);
            }
        }
    }
}
