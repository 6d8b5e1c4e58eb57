using System.Text.Json;
using JsonValueMapping = Corrosion.Http.JsonValueMapping;
using Corrosion.Storage;

namespace Corrosion.Host.Templates;

/// <summary>
/// One NDJSON event of <c>/v1/subscriptions</c>: <c>{"columns":[..]}</c>, <c>{"row":[rowid,[cells]]}</c>,
/// <c>{"eoq":{"time":t,"change_id":n}}</c>, <c>{"change":[kind,rowid,[cells],change_id]}</c> or <c>{"error":".."}</c>.
/// </summary>
internal sealed record SubscriptionEvent(SubscriptionEventKind Kind, IReadOnlyList<string>? Columns = null, long RowId = 0, SqlValue[]? Cells = null, long? ChangeId = null, string? ChangeType = null, string? Error = null)
{
    /// <summary>Parses one line; null for blank lines and events this client does not know (ignored, for forward compatibility).</summary>
    public static SubscriptionEvent? Parse(string line)
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            return null;
        }

        using var json = JsonDocument.Parse(line);
        var root = json.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException($"expected an event object, got {root.ValueKind}");
        }

        if (root.TryGetProperty("columns", out var columns))
        {
            return new SubscriptionEvent(SubscriptionEventKind.Columns, Columns: columns.EnumerateArray().Select(c => c.GetString() ?? string.Empty).ToArray());
        }

        if (root.TryGetProperty("row", out var row))
        {
            return new SubscriptionEvent(SubscriptionEventKind.Row, RowId: row[0].GetInt64(), Cells: ParseCells(row[1]));
        }

        if (root.TryGetProperty("eoq", out var eoq))
        {
            long? changeId = eoq.ValueKind == JsonValueKind.Object && eoq.TryGetProperty("change_id", out var id) && id.ValueKind == JsonValueKind.Number ? id.GetInt64() : null;
            return new SubscriptionEvent(SubscriptionEventKind.EndOfQuery, ChangeId: changeId);
        }

        if (root.TryGetProperty("change", out var change))
        {
            // The spec's own GET example swaps kind and rowid ([rowid, "kind", ...]); accept both orders.
            var (kind, rowId) = change[0].ValueKind == JsonValueKind.String
                ? (change[0].GetString()!, change[1].GetInt64())
                : (change[1].GetString()!, change[0].GetInt64());
            return new SubscriptionEvent(SubscriptionEventKind.Change, RowId: rowId, Cells: ParseCells(change[2]), ChangeId: change[3].GetInt64(), ChangeType: kind);
        }

        if (root.TryGetProperty("error", out var error))
        {
            return new SubscriptionEvent(SubscriptionEventKind.Error, Error: error.ValueKind == JsonValueKind.String ? error.GetString() : error.GetRawText());
        }

        return null;
    }

    private static SqlValue[] ParseCells(JsonElement cells) => cells.EnumerateArray().Select(JsonValueMapping.ToSqlValue).ToArray();
}
