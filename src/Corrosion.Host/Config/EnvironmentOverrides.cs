using System.Collections;

namespace Corrosion.Host.Config;

/// <summary>
/// <c>CORROSION_&lt;SECTION&gt;__&lt;FIELD&gt;</c> environment variables (more <c>__</c> for deeper keys:
/// <c>CORROSION_API__AUTHZ__BEARER-TOKEN</c>) replace the file's value before validation. The value is read as a
/// TOML value when it is one (<c>true</c>, <c>8080</c>, <c>["a:1"]</c>), else as a string. Names are lowercased.
/// </summary>
internal static class EnvironmentOverrides
{
    public const string Prefix = "CORROSION_";

    public static void Apply(TomlNode root, IDictionary? environment, List<ConfigProblem> problems)
    {
        if (environment is null)
        {
            return;
        }

        var entries = new List<(string Name, string Value)>();
        foreach (DictionaryEntry entry in environment)
        {
            if (entry.Key is string name && entry.Value is string value
                && name.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase)
                && name.Contains("__", StringComparison.Ordinal))
            {
                entries.Add((name, value));
            }
        }

        foreach (var (name, value) in entries.OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            var path = name[Prefix.Length..].ToLowerInvariant().Split("__");
            if (path.Any(p => p.Length == 0))
            {
                problems.Add(new ConfigProblem(0, null, $"environment variable {name}: empty key part"));
                continue;
            }

            Set(root, path, ReadValue(value), name, problems);
        }
    }

    private static TomlNode ReadValue(string value)
    {
        var scratch = new List<ConfigProblem>();
        var parsed = TomlDocumentReader.Read("v = " + value, "env", scratch);
        return scratch.Count == 0 && parsed.Get("v") is { } node ? Relined(node) : TomlNode.Value(TomlNodeKind.String, 0, value);
    }

    /// <summary>Values from the environment have no line (0) so errors name the key only.</summary>
    private static TomlNode Relined(TomlNode node)
    {
        switch (node.Kind)
        {
            case TomlNodeKind.Table:
                var table = TomlNode.Table(0);
                table.Inline = node.Inline;
                foreach (var (key, child) in node.Entries)
                {
                    table.Entries.Add(new(key, Relined(child)));
                }

                return table;
            case TomlNodeKind.Array:
                var array = TomlNode.Array(0);
                array.Items.AddRange(node.Items.Select(Relined));
                return array;
            default:
                return TomlNode.Value(node.Kind, 0, node.Scalar!);
        }
    }

    private static void Set(TomlNode root, string[] path, TomlNode value, string name, List<ConfigProblem> problems)
    {
        var current = root;
        for (var i = 0; i < path.Length - 1; i++)
        {
            var next = current.Get(path[i]);
            if (next is null)
            {
                next = TomlNode.Table(0);
                current.Entries.Add(new(path[i], next));
            }
            else if (next.Kind != TomlNodeKind.Table)
            {
                problems.Add(new ConfigProblem(0, string.Join('.', path[..(i + 1)]), $"is {next.Describe()} in the file; environment variable {name} cannot set a key inside it"));
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
