using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Corrosion.Host.Admin;

// The admin socket's wire format, all in this file (documented in docs/admin-socket.md).
// One JSON request per line, one JSON response per line, UTF-8, '\n'-terminated, any number per connection.
//   request:  {"cmd":"ping"} | {"cmd":"actor_id"} | {"cmd":"cluster_members"} | {"cmd":"sync_state"} | {"cmd":"subs_list"}
//             | {"cmd":"locks"}
//             | {"cmd":"reload"} | {"cmd":"reload","schema_paths":["/etc/corrosion/schema",...]}
//   response: {"ok":<value>} | {"error":"<message>"}

/// <summary>How admin requests and responses are written.</summary>
internal static class AdminJsonWriting
{
    /// <summary>
    /// Quotes, <c>&lt;</c>, <c>&gt;</c>, <c>&amp;</c> and non-ASCII text stay as written (only what JSON requires is
    /// escaped): the lines are read by people (<c>socat</c>, <c>corrosion subs list</c>), never embedded in HTML.
    /// </summary>
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}

/// <summary>Admin command names.</summary>
internal static class AdminCommands
{
    public const string Ping = "ping";
    public const string ActorId = "actor_id";
    public const string ClusterMembers = "cluster_members";
    public const string SyncState = "sync_state";
    public const string Reload = "reload";
    public const string SubsList = "subs_list";
    public const string Locks = "locks";

    public static readonly IReadOnlyList<string> All = [Ping, ActorId, ClusterMembers, SyncState, Reload, SubsList, Locks];
}

/// <summary>
/// One request line: <c>{"cmd":"..."}</c>; <c>reload</c> may carry <c>"schema_paths"</c> (the schema to read instead
/// of the agent's configured paths).
/// </summary>
internal sealed record AdminRequest(string Cmd, IReadOnlyList<string>? SchemaPaths = null)
{
    /// <summary>Longest request line accepted; a longer one gets an error and the connection is closed.</summary>
    public const int MaxLineBytes = 64 * 1024;

    public static bool TryParse(string line, out AdminRequest? request, out string? error)
    {
        request = null;
        error = null;
        try
        {
            using var json = JsonDocument.Parse(line);
            if (json.RootElement.ValueKind != JsonValueKind.Object
                || !json.RootElement.TryGetProperty("cmd", out var cmd)
                || cmd.ValueKind != JsonValueKind.String)
            {
                error = "expected {\"cmd\":\"<command>\"}";
                return false;
            }

            List<string>? schemaPaths = null;
            if (json.RootElement.TryGetProperty("schema_paths", out var paths))
            {
                if (paths.ValueKind != JsonValueKind.Array || paths.EnumerateArray().Any(p => p.ValueKind != JsonValueKind.String))
                {
                    error = "schema_paths must be an array of strings";
                    return false;
                }

                schemaPaths = [.. paths.EnumerateArray().Select(p => p.GetString()!)];
            }

            request = new AdminRequest(cmd.GetString()!, schemaPaths);
            return true;
        }
        catch (JsonException ex)
        {
            error = "request is not JSON: " + ex.Message;
            return false;
        }
    }

    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, AdminJsonWriting.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("cmd", Cmd);
            if (SchemaPaths is not null)
            {
                writer.WriteStartArray("schema_paths");
                foreach (var path in SchemaPaths)
                {
                    writer.WriteStringValue(path);
                }

                writer.WriteEndArray();
            }
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}

/// <summary>One response line: <c>{"ok":value}</c> or <c>{"error":"message"}</c>.</summary>
internal sealed record AdminResponse(string Json)
{
    public static AdminResponse Ok(Action<Utf8JsonWriter> writeValue) => Write(w =>
    {
        w.WritePropertyName("ok");
        writeValue(w);
    });

    public static AdminResponse Error(string message) => Write(w => w.WriteString("error", message));

    /// <summary>Reads a response line: the <c>ok</c> value (cloned) or the <c>error</c> message.</summary>
    public static bool TryRead(string line, out JsonElement ok, out string? error)
    {
        ok = default;
        error = null;
        try
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("ok", out var value))
            {
                ok = value.Clone();
                return true;
            }

            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out var message))
            {
                error = message.ValueKind == JsonValueKind.String ? message.GetString() : message.GetRawText();
                return false;
            }

            error = "unexpected response: " + line;
            return false;
        }
        catch (JsonException ex)
        {
            error = "response is not JSON: " + ex.Message;
            return false;
        }
    }

    private static AdminResponse Write(Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, AdminJsonWriting.WriterOptions))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return new AdminResponse(Encoding.UTF8.GetString(buffer.ToArray()));
    }
}
