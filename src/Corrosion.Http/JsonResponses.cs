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

    /// <summary>Writes one JSON value built by <paramref name="write"/> as the whole response.</summary>
    public static async Task WriteAsync(HttpContext context, int statusCode, Action<Utf8JsonWriter> write)
    {
        var response = context.Response;
        response.StatusCode = statusCode;
        response.ContentType = JsonContentType;
        await using (var json = new Utf8JsonWriter(response.BodyWriter, JsonValueMapping.WriterOptions))
        {
            write(json);
        }

        try
        {
            await response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away before the answer: nobody to tell.
        }
    }
}
