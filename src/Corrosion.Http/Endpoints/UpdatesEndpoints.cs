using Corrosion.Updates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Corrosion.Http.Endpoints;

/// <summary>
/// <c>POST /v1/updates/{table}</c> (and <c>GET</c>): an NDJSON stream of <c>{"notify":["update"|"delete",[pk values]]}</c>
/// for every primary key of the table changed by a commit after the request, local or replicated. No SQL, no
/// snapshot. An unknown table is a 404 before streaming; a reader too slow to keep up gets an <c>{"error":"..."}</c>
/// event and the end of the stream.
/// </summary>
internal static class UpdatesEndpoints
{
    public static void Map(RouteGroupBuilder group, HttpApiContext api)
    {
        group.MapMethods("/updates/{table}", [HttpMethods.Post, HttpMethods.Get], (HttpContext context, string table) => HandleAsync(context, api, table))
            .WithName("CorrosionUpdates")
            .WithDisplayName("POST /v1/updates/{table}");
    }

    private static async Task HandleAsync(HttpContext context, HttpApiContext api, string table)
    {
        var aborted = context.RequestAborted;
        TableUpdateStream updates;
        try
        {
            updates = api.Node.WatchTable(table, api.Options.UpdatesBufferCommits);
        }
        catch (UnknownTableException ex)
        {
            Log.RequestRefused(api.Logger, context.Request.Method, context.Request.Path, StatusCodes.Status404NotFound, ex.Message);
            await JsonResponses.WriteErrorAsync(context, StatusCodes.Status404NotFound, ex.Message).ConfigureAwait(false);
            return;
        }

        // The watch ends by itself when the host begins to stop (the node ends its streams then).
        using (updates)
        {
            var ndjson = NdjsonWriter.StartResponse(context.Response, api.ActiveStreams);
            await using (ndjson.ConfigureAwait(false))
            {
                try
                {
                    // Headers go out at once so a client knows the watch is in place before the first change.
                    await ndjson.FlushAsync(aborted).ConfigureAwait(false);
                    await foreach (var update in updates.ReadAllAsync(aborted).ConfigureAwait(false))
                    {
                        NdjsonEvents.WriteNotify(ndjson.Json, update);
                        await ndjson.EndEventAsync(flush: true, aborted).ConfigureAwait(false);
                    }

                    Log.StreamEndedForShutdown(api.Logger, context.Request.Method, context.Request.Path);
                }
                catch (OperationCanceledException) when (aborted.IsCancellationRequested)
                {
                    Log.ClientDisconnected(api.Logger, context.Request.Method, context.Request.Path);
                }
                catch (TableUpdatesLaggedException ex)
                {
                    Log.StreamReaderLagged(api.Logger, context.Request.Path, ex.Message);
                    await QueriesEndpoints.WriteErrorEventAsync(ndjson, ex.Message, aborted).ConfigureAwait(false);
                }
            }
        }
    }
}
