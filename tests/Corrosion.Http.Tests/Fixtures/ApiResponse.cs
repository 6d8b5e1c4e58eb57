using System.Net;
using System.Text.Json;

namespace Corrosion.Http.Tests.Fixtures;

/// <summary>A JSON response read whole: status, content type, raw text and parsed root.</summary>
public sealed record ApiResponse(HttpStatusCode Status, string? ContentType, string Text, JsonElement Json)
{
    public static async Task<ApiResponse> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        JsonElement json;
        try
        {
            json = JsonDocument.Parse(text).RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new InvalidOperationException($"expected a JSON body with status {(int)response.StatusCode}, got: {text}", ex);
        }

        return new ApiResponse(response.StatusCode, response.Content.Headers.ContentType?.MediaType, text, json);
    }

    /// <summary>The error message of a transaction refusal (<c>results[0].error</c>) or of any other (<c>error</c>).</summary>
    public string Error => Json.TryGetProperty("results", out var results)
        ? results[0].GetProperty("error").GetString()!
        : Json.GetProperty("error").GetString()!;

    public override string ToString() => $"{(int)Status} {Text}";
}
