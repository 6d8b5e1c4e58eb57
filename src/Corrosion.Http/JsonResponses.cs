using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Corrosion.Http;

/// <summary>The API's small JSON answers, written with the same writer settings as every other response.</summary>
internal static class JsonResponses
{
    public const string JsonContentType = "application/json";

    /// <summary>Writes <c>{"error":"..."}</c> with the status.</summary>
    public static Task WriteErrorAsync(HttpContext context, int statusCode, string message)
    {
        return WriteAsync(context, statusCode, json =>
        {
            json.WriteStartObject();
            json.WriteString("error", message);
            json.WriteEndObject();
        });
    }

    /// <summary>
    /// Writes one JSON value built by <paramref name="write"/> as the whole response. It is built in a pooled buffer
    /// first and sent with its length: one write to the connection rather than a chunked body taken piece by piece.
    /// </summary>
    public static async Task WriteAsync(HttpContext context, int statusCode, Action<Utf8JsonWriter> write)
    {
        var response = context.Response;
        response.StatusCode = statusCode;
        response.ContentType = JsonContentType;
        using var body = new PooledBufferWriter();
        using (var json = new Utf8JsonWriter(body, JsonValueMapping.WriterOptions))
        {
            write(json);
        }

        response.ContentLength = body.WrittenCount;
        try
        {
            await response.BodyWriter.WriteAsync(body.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away before the answer: nobody to tell.
        }
    }
}
