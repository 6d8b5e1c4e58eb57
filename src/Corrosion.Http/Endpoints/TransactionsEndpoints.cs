using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Corrosion.Http.Endpoints;

/// <summary>
/// <c>POST /v1/transactions</c>: a JSON array of statements run in one transaction.
/// 200 <c>{"results":[{"rows_affected":N,"time":s}],"time":s,"version":N|null,"actor_id":"uuid"}</c>;
/// any refusal or failure <c>{"results":[{"error":"..."}],"time":0}</c> with 400 (bad request or a statement that
/// failed, rolled back), 413 (body too large), 408 (<c>?timeout=</c> passed) or 500 (internal).
/// </summary>
internal static class TransactionsEndpoints
{
    public static void Map(RouteGroupBuilder group, HttpApiContext api)
    {
        group.MapPost("/transactions", context => HandleAsync(context, api))
            .WithName("CorrosionTransactions")
            .WithDisplayName("POST /v1/transactions");
    }

    internal static async Task HandleAsync(HttpContext context, HttpApiContext api)
    {
        var aborted = context.RequestAborted;
        IReadOnlyList<Statement> statements;
        TimeSpan? timeout;
        try
        {
            timeout = TimeoutParameter.Read(context.Request, fallback: null);
            using var body = await RequestJson.ReadAsync(context, api.Options.MaxRequestBodyBytes, aborted).ConfigureAwait(false);
            statements = StatementReader.TryReadTransaction(body.Utf8, out var read) ? read : StatementReader.ReadTransaction(body.Root);
        }
        catch (HttpApiRequestException ex)
        {
            Log.RequestRefused(api.Logger, context.Request.Method, context.Request.Path, ex.StatusCode, ex.Message);
            await WriteErrorAsync(context, ex.StatusCode, ex.Message).ConfigureAwait(false);
            return;
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            Log.ClientDisconnected(api.Logger, context.Request.Method, context.Request.Path);
            return;
        }

        using var timeoutSource = timeout is { } t ? new CancellationTokenSource(t, api.TimeProvider) : null;
        using var linked = timeoutSource is null ? null : CancellationTokenSource.CreateLinkedTokenSource(aborted, timeoutSource.Token);
        var token = linked?.Token ?? aborted;

        TransactionResult result;
        try
        {
            result = await api.Node.ExecuteAsync(statements, token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or StatementException && aborted.IsCancellationRequested)
        {
            // The engine interrupts a running statement on cancellation; either way the client is gone.
            Log.ClientDisconnected(api.Logger, context.Request.Method, context.Request.Path);
            return;
        }
        catch (Exception ex) when (ex is OperationCanceledException or StatementException && timeoutSource?.IsCancellationRequested == true)
        {
            var message = $"the transaction did not finish within the timeout of {timeout!.Value.TotalSeconds}s and was rolled back";
            Log.TransactionFailed(api.Logger, statements.Count, message);
            await WriteErrorAsync(context, StatusCodes.Status408RequestTimeout, message).ConfigureAwait(false);
            return;
        }
        catch (StatementException ex)
        {
            Log.TransactionFailed(api.Logger, statements.Count, ex.Message);
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, ex.Message).ConfigureAwait(false);
            return;
        }
        catch (Exception ex)
        {
            Log.InternalError(api.Logger, context.Request.Method, context.Request.Path, ex);
            await WriteErrorAsync(context, StatusCodes.Status500InternalServerError, $"internal error: {ex.Message}").ConfigureAwait(false);
            return;
        }

        Log.TransactionCommitted(api.Logger, statements.Count, result.Version, result.Elapsed.TotalSeconds);
        await JsonResponses.WriteAsync(context, StatusCodes.Status200OK, json => WriteResult(json, result)).ConfigureAwait(false);
    }

    private static void WriteResult(Utf8JsonWriter json, TransactionResult result)
    {
        json.WriteStartObject();
        json.WriteStartArray("results");
        foreach (var statement in result.Results)
        {
            json.WriteStartObject();
            json.WriteNumber("rows_affected", statement.RowsAffected);
            json.WritePropertyName("time");
            JsonValueMapping.WriteFloat(json, statement.Elapsed.TotalSeconds);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WritePropertyName("time");
        JsonValueMapping.WriteFloat(json, result.Elapsed.TotalSeconds);
        if (result.Version is { } version)
        {
            json.WriteNumber("version", version);
        }
        else
        {
            json.WriteNull("version");
        }

        json.WriteString("actor_id", result.ActorId.ToUuidString());
        json.WriteEndObject();
    }

    private static Task WriteErrorAsync(HttpContext context, int statusCode, string message)
    {
        return JsonResponses.WriteAsync(context, statusCode, json =>
        {
            json.WriteStartObject();
            json.WriteStartArray("results");
            json.WriteStartObject();
            json.WriteString("error", message);
            json.WriteEndObject();
            json.WriteEndArray();
            json.WritePropertyName("time");
            JsonValueMapping.WriteFloat(json, 0);
            json.WriteNull("version");
            json.WriteEndObject();
        });
    }
}
