using System.Collections;

namespace Corrosion.Host.Config;

/// <summary>
/// <c>CORROSION_&lt;SECTION&gt;__&lt;FIELD&gt;</c> environment variables (more <c>__</c> for deeper keys:
/// <c>CORROSION_API__AUTHZ__BEARER-TOKEN</c>) replace the file's value before validation. The original's unprefixed
/// form, <c>&lt;SECTION&gt;__&lt;FIELD&gt;</c> (<c>GOSSIP__ADDR</c>), is honoured too when SECTION is one of the config's
/// sections; the prefixed variable wins when both set the same key. The value is read as a TOML value when it is
/// one (<c>true</c>, <c>8080</c>, <c>["a:1"]</c>), else as a string. Names are lowercased.
/// </summary>
internal static class EnvironmentOverrides
{
    public const string Prefix = "CORROSION_";

    /// <summary>The top-level sections an unprefixed <c>SECTION__FIELD</c> variable may name (others are not ours).</summary>
    public static readonly IReadOnlyList<string> Sections = ["db", "api", "gossip", "perf", "admin", "telemetry", "log", "consul", "reaper"];

    /// <summary>
    /// Applies the variables; returns their names in order. A value set from variable <c>i</c> carries line
    /// <c>-(i + 1)</c> so that problems with it name the variable (see <see cref="ConfigProblem.Format"/>).
    /// </summary>
    public static IReadOnlyList<string> Apply(TomlNode root, IDictionary? environment, List<ConfigProblem> problems)
    {
        var applied = new List<string>();
        if (environment is null)
        {
            return applied;
        }

        var entries = new List<(string Name, string Key, string Value, bool Prefixed)>();
        foreach (DictionaryEntry entry in environment)
        {
            if (entry.Key is not string name || entry.Value is not string value || !name.Contains("__", StringComparison.Ordinal))
            {
                continue;
            }

            if (name.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
            {
                entries.Add((name, name[Prefix.Length..], value, true));
            }
            else if (Sections.Any(s => name.StartsWith(s + "__", StringComparison.OrdinalIgnoreCase)))
            {
                entries.Add((name, name, value, false));
            }
        }

        // Unprefixed first, so that CORROSION_X__Y, applied later, wins over X__Y.
        foreach (var (name, key, value, _) in entries.OrderBy(e => e.Prefixed).ThenBy(e => e.Name, StringComparer.Ordinal))
        {
            applied.Add(name);
            var line = -applied.Count;
            var path = key.ToLowerInvariant().Split("__").Select(ShellSafe).ToArray();
            if (path.Any(p => p.Length == 0))
            {
                problems.Add(new ConfigProblem(line, null, "empty key part"));
                continue;
            }

            Set(root, path, ReadValue(value, line), line, name, problems);
        }

        return applied;
    }

    /// <summary>
    /// Shells cannot export a name with '-', so the config's two kebab-case keys may be spelled with '_'
    /// (<c>CORROSION_API__AUTHZ__BEARER_TOKEN</c>, <c>CORROSION_TELEMETRY__OPEN_TELEMETRY</c>).
    /// </summary>
    private static string ShellSafe(string part) => part switch
    {
        "bearer_token" => "bearer-token",
        "open_telemetry" => "open-telemetry",
        _ => part,
    };

    private static TomlNode ReadValue(string value, int line)
    {
        var scratch = new List<ConfigProblem>();
        var parsed = TomlDocumentReader.Read("v = " + value, "env", scratch);
        return scratch.Count == 0 && parsed.Get("v") is { } node ? Relined(node, line) : TomlNode.Value(TomlNodeKind.String, line, value);
    }

    private static TomlNode Relined(TomlNode node, int line)
    {
        switch (node.Kind)
        {
            case TomlNodeKind.Table:
                var table = TomlNode.Table(line);
                table.Inline = node.Inline;
                foreach (var (key, child) in node.Entries)
                {
                    table.Entries.Add(new(key, Relined(child, line)));
                }

                return table;
            case TomlNodeKind.Array:
                var array = TomlNode.Array(line);
                array.Items.AddRange(node.Items.Select(item => Relined(item, line)));
                return array;
            default:
                return TomlNode.Value(node.Kind, line, node.Scalar!);
        }
    }

    private static void Set(TomlNode root, string[] path, TomlNode value, int line, string name, List<ConfigProblem> problems)
    {
        var current = root;
        for (var i = 0; i < path.Length - 1; i++)
        {
            var next = current.Get(path[i]);
            if (next is null)
            {
                next = TomlNode.Table(line);
                current.Entries.Add(new(path[i], next));
            }
            else if (next.Kind != TomlNodeKind.Table)
            {
                problems.Add(new ConfigProblem(line, string.Join('.', path[..(i + 1)]), $"is {next.Describe()} in the file; {name} cannot set a key inside it"));
                return;
            }

            current = next;
        }

        var index = current.Entries.FindIndex(e => e.Key == path[^1]);
        if (index >= 0)
        {
            current.Entries[index] = new(path[^1], value);
        }
        else
        {
            current.Entries.Add(new(path[^1], value));
        }
    }
}
