using System.Net;
using System.Text.Json;

namespace Corrosion.Http.Tests.Fixtures;

/// <summary>
/// A <c>/v1/queries</c> response: either an NDJSON stream parsed into events, or (for a refusal) one JSON error.
/// </summary>
public sealed record NdjsonResponse(HttpStatusCode Status, string? ContentType, IReadOnlyList<JsonElement> Events, string Text)
{
    public static async Task<NdjsonResponse> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        var events = new List<JsonElement>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0)
            {
                continue;
            }

            try
            {
                events.Add(JsonDocument.Parse(line).RootElement.Clone());
            }
            catch (JsonException ex)
            {
                throw new InvalidOperationException($"line is not JSON: {line}", ex);
            }
        }

        return new NdjsonResponse(response.StatusCode, response.Content.Headers.ContentType?.MediaType, events, text);
    }

    public IReadOnlyList<string> Columns => Events[0].GetProperty("columns").EnumerateArray().Select(c => c.GetString()!).ToList();

    /// <summary>The <c>row</c> events as (rowid, cells).</summary>
    public IReadOnlyList<(long RowId, JsonElement[] Cells)> Rows => Events
        .Where(e => e.TryGetProperty("row", out _))
        .Select(e => (e.GetProperty("row")[0].GetInt64(), e.GetProperty("row")[1].EnumerateArray().ToArray()))
        .ToList();

    /// <summary>The last event, which ends every stream: <c>eoq</c> or <c>error</c>.</summary>
    public JsonElement Last => Events[^1];

    public string Error => Events[^1].GetProperty("error").GetString()!;

    public override string ToString() => $"{(int)Status} {Text}";
}
