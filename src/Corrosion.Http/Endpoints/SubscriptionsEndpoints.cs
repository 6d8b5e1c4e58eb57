using System.Globalization;
using System.Text.Json;
using Corrosion.Subscriptions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Corrosion.Http.Endpoints;

/// <summary>
/// <c>POST /v1/subscriptions</c> (body: one statement, as for queries) and <c>GET /v1/subscriptions/{id}</c>: the
/// <c>corro-query-id</c> header, then an NDJSON stream of <c>{"columns":[...]}</c>, <c>{"row":[rowid,[cells]]}</c>,
/// <c>{"eoq":{"time":s,"change_id":n}}</c> and live <c>{"change":[kind,rowid,[cells],change_id]}</c>. With
/// <c>?from=N</c> only the changes after N are replayed, then live ones; <c>?skip_rows=true</c> leaves the rows
/// out. A client that falls behind gets <c>{"error":"..."}</c> and the stream ends. Both go through
/// <see cref="ICorrosionNode.SubscribeAsync"/> and <see cref="ICorrosionNode.GetSubscriptionAsync"/>.
/// </summary>
internal static class SubscriptionsEndpoints
{
    public const string QueryIdHeader = "corro-query-id";

    public static void Map(RouteGroupBuilder group, HttpApiContext api)
    {
        group.MapPost("/subscriptions", context => SubscribeAsync(context, api))
            .WithName("CorrosionSubscribe")
            .WithDisplayName("POST /v1/subscriptions");
        group.MapGet("/subscriptions/{id}", context => JoinAsync(context, api))
            .WithName("CorrosionSubscription")
            .WithDisplayName("GET /v1/subscriptions/{id}");
    }

    private static async Task SubscribeAsync(HttpContext context, HttpApiContext api)
    {
        var request = context.Request;
        var aborted = context.RequestAborted;
        ISubscription subscription;
        try
        {
            var options = ReadOptions(request);
            Statement statement;
            using (var body = await RequestJson.ReadAsync(context, api.Options.MaxRequestBodyBytes, aborted).ConfigureAwait(false))
            {
                statement = StatementReader.ReadQuery(body.Root);
            }

            subscription = await api.Node.SubscribeAsync(statement, options, aborted).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            await RefuseAsync(context, api, ex).ConfigureAwait(false);
            return;
        }

        await StreamAsync(context, api, subscription).ConfigureAwait(false);
    }

    private static async Task JoinAsync(HttpContext context, HttpApiContext api)
    {
        var request = context.Request;
        var raw = (string?)request.RouteValues["id"] ?? string.Empty;
        ISubscription? subscription;
        try
        {
            var options = ReadOptions(request);
            if (!Guid.TryParse(raw, out var id))
            {
                throw new HttpApiRequestException(StatusCodes.Status404NotFound, $"could not find subscription with id {raw}");
            }

            subscription = await api.Node.GetSubscriptionAsync(id, options, context.RequestAborted).ConfigureAwait(false)
                ?? throw new HttpApiRequestException(StatusCodes.Status404NotFound, $"could not find subscription with id {raw}");
        }
        catch (Exception ex)
        {
            await RefuseAsync(context, api, ex).ConfigureAwait(false);
            return;
        }

        await StreamAsync(context, api, subscription).ConfigureAwait(false);
    }

    private static SubscribeOptions ReadOptions(HttpRequest request)
    {
        long? from = null;
        if (request.Query.TryGetValue("from", out var fromText) && !string.IsNullOrEmpty(fromText))
        {
            if (!long.TryParse(fromText, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                throw new HttpApiRequestException(StatusCodes.Status400BadRequest, $"invalid 'from' query parameter '{fromText}': expected a change id (a non-negative integer)");
            }

            from = value;
        }

        var skipRows = false;
        if (request.Query.TryGetValue("skip_rows", out var skipText) && !string.IsNullOrEmpty(skipText) && !bool.TryParse(skipText, out skipRows))
        {
            throw new HttpApiRequestException(StatusCodes.Status400BadRequest, $"invalid 'skip_rows' query parameter '{skipText}': expected true or false");
        }

        return new SubscribeOptions { From = from, SkipRows = skipRows };
    }

    /// <summary>Answers a failure before streaming: 4xx for the caller's mistakes, 500 otherwise.</summary>
    private static async Task RefuseAsync(HttpContext context, HttpApiContext api, Exception exception)
    {
        var request = context.Request;
        if (exception is OperationCanceledException && context.RequestAborted.IsCancellationRequested)
        {
            Log.ClientDisconnected(api.Logger, request.Method, request.Path);
            return;
        }

        var (status, message) = exception switch
        {
            HttpApiRequestException ex => (ex.StatusCode, ex.Message),
            StatementException ex => (StatusCodes.Status400BadRequest, string.IsNullOrEmpty(ex.Reason) ? ex.Message : ex.Reason),
            SubscriptionException ex => (StatusCodes.Status400BadRequest, ex.Message),
            _ => (StatusCodes.Status500InternalServerError, $"internal error: {exception.Message}"),
        };
        if (status == StatusCodes.Status500InternalServerError)
        {
            Log.InternalError(api.Logger, request.Method, request.Path, exception);
        }
        else
        {
            Log.RequestRefused(api.Logger, request.Method, request.Path, status, message);
        }

        await JsonResponses.WriteErrorAsync(context, status, message).ConfigureAwait(false);
    }

    private static async Task StreamAsync(HttpContext context, HttpApiContext api, ISubscription subscription)
    {
        var response = context.Response;
        var aborted = context.RequestAborted;

        // The subscription ends by itself when the host begins to stop (the node ends its streams then, so that the
        // server's graceful stop need not wait for them): the response then ends normally after the events already
        // queued, and the client resumes with ?from=<last change id> on this node once it is back, or on another one.
        await using (((IAsyncDisposable)subscription).ConfigureAwait(false))
        {
            var ndjson = NdjsonWriter.StartResponse(response, api.ActiveStreams);
            response.Headers[QueryIdHeader] = subscription.Id.ToString();
            await using (ndjson.ConfigureAwait(false))
            {
                try
                {
                    // Send the headers at once: a client may be waiting for the id before any event.
                    await ndjson.FlushAsync(aborted).ConfigureAwait(false);
                    await using var events = subscription.GetAsyncEnumerator(aborted);
                    while (await events.MoveNextAsync().ConfigureAwait(false))
                    {
                        var @event = events.Current;
                        Write(ndjson.Json, @event);

                        // Rows are batched into bigger writes; everything else goes out as it happens.
                        await ndjson.EndEventAsync(flush: @event is not SubscriptionEvent.Row, aborted).ConfigureAwait(false);
                        if (@event is SubscriptionEvent.Error error)
                        {
                            Log.SubscriptionClientCutOff(api.Logger, subscription.Id, error.Message);
                            return;
                        }
                    }

                    Log.StreamEndedForShutdown(api.Logger, context.Request.Method, context.Request.Path);
                }
                catch (OperationCanceledException) when (aborted.IsCancellationRequested)
                {
                    Log.ClientDisconnected(api.Logger, context.Request.Method, context.Request.Path);
                }
            }
        }
    }

    private static void Write(Utf8JsonWriter json, SubscriptionEvent @event)
    {
        switch (@event)
        {
            case SubscriptionEvent.Columns columns:
                NdjsonEvents.WriteColumns(json, columns.Names);
                break;
            case SubscriptionEvent.Row row:
                NdjsonEvents.WriteRow(json, row.RowId, row.Cells);
                break;
            case SubscriptionEvent.EndOfQuery eoq:
                NdjsonEvents.WriteEndOfQuery(json, eoq.Time, eoq.ChangeId);
                break;
            case SubscriptionEvent.Change change:
                NdjsonEvents.WriteChange(json, change);
                break;
            case SubscriptionEvent.Error error:
                NdjsonEvents.WriteError(json, error.Message);
                break;
        }
    }
}
