using System.Globalization;
using System.Text.Json;
using Corrosion.Crdt;
using Corrosion.Subscriptions;

namespace Corrosion.Host.Admin;

/// <summary>JSON shapes of admin answers that carry engine types.</summary>
internal static class AdminJson
{
    /// <summary>
    /// <c>{"actor_id":"hex","heads":{"hex":N},"need":{"hex":[[start,end]]},"partial_need":{"hex":{"version":[[start,end]]}}}</c>.
    /// </summary>
    public static void WriteSyncState(Utf8JsonWriter w, SyncState state)
    {
        w.WriteStartObject();
        w.WriteString("actor_id", state.ActorId.ToString());
        w.WriteStartObject("heads");
        foreach (var (actor, head) in state.Heads.OrderBy(p => p.Key))
        {
            w.WriteNumber(actor.ToString(), head);
        }

        w.WriteEndObject();
        w.WriteStartObject("need");
        foreach (var (actor, ranges) in state.Need.OrderBy(p => p.Key))
        {
            w.WritePropertyName(actor.ToString());
            WriteRanges(w, ranges);
        }

        w.WriteEndObject();
        w.WriteStartObject("partial_need");
        foreach (var (actor, versions) in state.PartialNeed.OrderBy(p => p.Key))
        {
            w.WriteStartObject(actor.ToString());
            foreach (var (version, seqs) in versions.OrderBy(p => p.Key))
            {
                w.WritePropertyName(version.ToString(CultureInfo.InvariantCulture));
                WriteRanges(w, seqs);
            }

            w.WriteEndObject();
        }

        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary><c>{"created_tables":[..],"altered_tables":[..],"messages":[..],"elapsed_secs":T}</c>.</summary>
    public static void WriteSchemaApply(Utf8JsonWriter w, SchemaApplyResult result)
    {
        w.WriteStartObject();
        WriteStrings(w, "created_tables", result.CreatedTables);
        WriteStrings(w, "altered_tables", result.AlteredTables);
        WriteStrings(w, "messages", result.Messages);
        w.WriteNumber("elapsed_secs", result.Elapsed.TotalSeconds);
        w.WriteEndObject();
    }

    private static void WriteStrings(Utf8JsonWriter w, string name, IReadOnlyList<string> values)
    {
        w.WriteStartArray(name);
        foreach (var value in values)
        {
            w.WriteStringValue(value);
        }

        w.WriteEndArray();
    }

    private static void WriteRanges(Utf8JsonWriter w, IReadOnlyList<InclusiveRange> ranges)
    {
        w.WriteStartArray();
        foreach (var range in ranges)
        {
            w.WriteStartArray();
            w.WriteNumberValue(range.Start);
            w.WriteNumberValue(range.End);
            w.WriteEndArray();
        }

        w.WriteEndArray();
    }

    /// <summary>
    /// <c>[{"id":"uuid","sql":"...","columns":[..],"rows":N,"clients":N,"last_change_id":N,"matching":"restricted"|"full"}]</c>.
    /// </summary>
    public static void WriteSubscriptions(Utf8JsonWriter w, IReadOnlyList<SubscriptionInfo> subscriptions)
    {
        w.WriteStartArray();
        foreach (var info in subscriptions)
        {
            w.WriteStartObject();
            w.WriteString("id", info.Id);
            w.WriteString("sql", info.Sql);
            w.WriteStartArray("columns");
            foreach (var column in info.Columns)
            {
                w.WriteStringValue(column);
            }

            w.WriteEndArray();
            w.WriteNumber("rows", info.Rows);
            w.WriteNumber("clients", info.Clients);
            w.WriteNumber("last_change_id", info.LastChangeId);
            w.WriteString("matching", info.RestrictedMatching ? "restricted" : "full");
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }
}
