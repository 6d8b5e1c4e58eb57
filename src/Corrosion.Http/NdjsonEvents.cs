using System.Text.Json;
using Corrosion.Storage;
using Corrosion.Subscriptions;
using Corrosion.Updates;

namespace Corrosion.Http;

/// <summary>
/// The NDJSON event shapes of <c>/v1/queries</c>, <c>/v1/subscriptions</c> and <c>/v1/updates</c>, in one place:
/// each method writes exactly one event object; <see cref="NdjsonWriter.EndEventAsync"/> ends the line.
/// </summary>
internal static class NdjsonEvents
{
    /// <summary><c>{"columns":["a","b"]}</c>.</summary>
    public static void WriteColumns(Utf8JsonWriter json, IEnumerable<string> names)
    {
        json.WriteStartObject();
        json.WriteStartArray("columns");
        foreach (var name in names)
        {
            json.WriteStringValue(name);
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary><c>{"row":[rowid,[cells]]}</c>.</summary>
    public static void WriteRow(Utf8JsonWriter json, long rowId, IReadOnlyList<SqlValue> cells)
    {
        json.WriteStartObject();
        json.WriteStartArray("row");
        json.WriteNumberValue(rowId);
        WriteCells(json, cells);
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary><c>{"eoq":{"time":s}}</c>, with <c>"change_id":n</c> for subscriptions.</summary>
    public static void WriteEndOfQuery(Utf8JsonWriter json, TimeSpan time, long? changeId = null)
    {
        json.WriteStartObject();
        json.WriteStartObject("eoq");
        json.WritePropertyName("time");
        JsonValueMapping.WriteFloat(json, time.TotalSeconds);
        if (changeId is { } id)
        {
            json.WriteNumber("change_id", id);
        }

        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary><c>{"change":["insert"|"update"|"delete",rowid,[cells],change_id]}</c>.</summary>
    public static void WriteChange(Utf8JsonWriter json, SubscriptionEvent.Change change)
    {
        json.WriteStartObject();
        json.WriteStartArray("change");
        json.WriteStringValue(change.Kind switch
        {
            ChangeKind.Insert => "insert",
            ChangeKind.Update => "update",
            _ => "delete",
        });
        json.WriteNumberValue(change.RowId);
        WriteCells(json, change.Cells);
        json.WriteNumberValue(change.ChangeId);
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary><c>{"notify":["update"|"delete",[pk values]]}</c>.</summary>
    public static void WriteNotify(Utf8JsonWriter json, TableUpdate update)
    {
        json.WriteStartObject();
        json.WriteStartArray("notify");
        json.WriteStringValue(update.Kind == TableUpdateKind.Delete ? "delete" : "update");
        WriteCells(json, update.PrimaryKey);
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary><c>{"error":"..."}</c>: always a stream's last event.</summary>
    public static void WriteError(Utf8JsonWriter json, string message)
    {
        json.WriteStartObject();
        json.WriteString("error", message);
        json.WriteEndObject();
    }

    private static void WriteCells(Utf8JsonWriter json, IReadOnlyList<SqlValue> cells)
    {
        json.WriteStartArray();
        foreach (var cell in cells)
        {
            JsonValueMapping.WriteSqlValue(json, cell);
        }

        json.WriteEndArray();
    }
}
