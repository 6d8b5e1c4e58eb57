using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Corrosion.Http.Endpoints;

/// <summary>
/// <c>POST /v1/queries</c>: one read-only statement, answered as NDJSON (<c>application/x-ndjson</c>):
/// <c>{"columns":[...]}</c>, then <c>{"row":[rowid,[cells]]}</c> per row as it is read, then <c>{"eoq":{"time":s}}</c>.
/// A refusal before streaming (bad body, SQL that does not prepare, a write statement) is a 4xx <c>{"error":"..."}</c>;
/// a failure while streaming (SQLite's error, the timeout) is an <c>{"error":"..."}</c> event and the end of the stream.
/// <c>?timeout=&lt;seconds&gt;</c> limits the whole query (0 = none; default <see cref="HttpApiOptions.DefaultQueryTimeout"/>).
/// </summary>
internal static class QueriesEndpoints
{
    public static void Map(RouteGroupBuilder group, HttpApiContext api)
    {
        group.MapPost("/queries", context => HandleAsync(context, api))
            .WithName("CorrosionQueries")
            .WithDisplayName("POST /v1/queries");
    }

    internal static async Task HandleAsync(HttpContext context, HttpApiContext api)
    {
        var request = context.Request;
        var aborted = context.RequestAborted;
        Statement statement;
        TimeSpan? timeout;
        try
        {
            timeout = TimeoutParameter.Read(request, api.Options.DefaultQueryTimeout);
            using var body = await RequestJson.ReadAsync(context, api.Options.MaxRequestBodyBytes, aborted).ConfigureAwait(false);
            statement = StatementReader.ReadQuery(body.Root);
        }
        catch (HttpApiRequestException ex)
        {
            Log.RequestRefused(api.Logger, request.Method, request.Path, ex.StatusCode, ex.Message);
            await JsonResponses.WriteErrorAsync(context, ex.StatusCode, ex.Message).ConfigureAwait(false);
            return;
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            Log.ClientDisconnected(api.Logger, request.Method, request.Path);
            return;
        }

        using var timeoutSource = timeout is { } t ? new CancellationTokenSource(t, api.TimeProvider) : null;
        using var linked = timeoutSource is null ? null : CancellationTokenSource.CreateLinkedTokenSource(aborted, timeoutSource.Token);
        var token = linked?.Token ?? aborted;

        QueryResult query;
        try
        {
            query = await api.Node.QueryAsync(statement, token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or StatementException && aborted.IsCancellationRequested)
        {
            Log.ClientDisconnected(api.Logger, request.Method, request.Path);
            return;
        }
        catch (Exception ex) when (ex is OperationCanceledException or StatementException && timeoutSource?.IsCancellationRequested == true)
        {
            Log.QueryTimedOut(api.Logger, timeout!.Value.TotalSeconds, 0);
            await JsonResponses.WriteErrorAsync(context, StatusCodes.Status408RequestTimeout, TimedOut(timeout.Value)).ConfigureAwait(false);
            return;
        }
        catch (StatementException ex)
        {
            var reason = ReasonOf(ex);
            Log.QueryRefused(api.Logger, reason);
            await JsonResponses.WriteErrorAsync(context, StatusCodes.Status400BadRequest, reason).ConfigureAwait(false);
            return;
        }
        catch (Exception ex)
        {
            Log.InternalError(api.Logger, request.Method, request.Path, ex);
            await JsonResponses.WriteErrorAsync(context, StatusCodes.Status500InternalServerError, $"internal error: {ex.Message}").ConfigureAwait(false);
            return;
        }

        await using (query.ConfigureAwait(false))
        {
            await StreamAsync(context, api, query, timeoutSource, timeout, token).ConfigureAwait(false);
        }
    }

    private static async Task StreamAsync(HttpContext context, HttpApiContext api, QueryResult query, CancellationTokenSource? timeoutSource, TimeSpan? timeout, CancellationToken token)
    {
        var aborted = context.RequestAborted;
        long rows = 0;
        var ndjson = NdjsonWriter.StartResponse(context.Response, api.ActiveStreams);
        await using (ndjson.ConfigureAwait(false))
        {
            try
            {
                NdjsonEvents.WriteColumns(ndjson.Json, query.Columns);
                await ndjson.EndEventAsync(flush: true, aborted).ConfigureAwait(false);

                await foreach (var row in query.ReadRowsAsync(token).ConfigureAwait(false))
                {
                    NdjsonEvents.WriteRow(ndjson.Json, row.RowId, row.Values);
                    rows++;
                    await ndjson.EndEventAsync(flush: false, aborted).ConfigureAwait(false);
                }

                NdjsonEvents.WriteEndOfQuery(ndjson.Json, query.Elapsed);
                await ndjson.EndEventAsync(flush: true, aborted).ConfigureAwait(false);
                Log.QueryCompleted(api.Logger, rows, query.Elapsed.TotalSeconds);
            }
            catch (Exception ex) when (ex is OperationCanceledException or StatementException && aborted.IsCancellationRequested)
            {
                Log.ClientDisconnected(api.Logger, context.Request.Method, context.Request.Path);
            }
            catch (Exception ex) when (ex is OperationCanceledException or StatementException && timeoutSource?.IsCancellationRequested == true)
            {
                Log.QueryTimedOut(api.Logger, timeout!.Value.TotalSeconds, rows);
                await WriteErrorEventAsync(ndjson, TimedOut(timeout.Value), aborted).ConfigureAwait(false);
            }
            catch (StatementException ex)
            {
                var reason = ReasonOf(ex);
                Log.QueryFailedWhileStreaming(api.Logger, rows, reason);
                await WriteErrorEventAsync(ndjson, reason, aborted).ConfigureAwait(false);
            }
            catch (Exception ex) when (!aborted.IsCancellationRequested)
            {
                Log.InternalError(api.Logger, context.Request.Method, context.Request.Path, ex);
                await WriteErrorEventAsync(ndjson, $"internal error: {ex.Message}", aborted).ConfigureAwait(false);
            }
        }
    }

    internal static async Task WriteErrorEventAsync(NdjsonWriter ndjson, string message, CancellationToken aborted)
    {
        try
        {
            // A failure may have left a half-written event: start the error on a fresh writer state and line.
            ndjson.Json.Reset();
            NdjsonEvents.WriteError(ndjson.Json, message);
            await ndjson.EndEventAsync(flush: true, aborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client left; nothing to tell.
        }
    }

    private static string ReasonOf(StatementException ex) => string.IsNullOrEmpty(ex.Reason) ? ex.Message : ex.Reason;

    private static string TimedOut(TimeSpan timeout) =>
        $"query timed out after {timeout.TotalSeconds}s (raise it with ?timeout=<seconds>, 0 for none)";
}
