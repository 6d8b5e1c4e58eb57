using System.Net;

namespace Corrosion.Host.Config;

/// <summary>
/// Reads the keys of one TOML table into typed values, noting each key it was asked about. Problems (wrong type,
/// out of range, two aliases at once) go to the shared list with the key's path and line; <see cref="Finish"/>
/// reports every key nobody asked about as unknown.
/// </summary>
internal sealed class TableReader
{
    private readonly TomlNode _table;
    private readonly List<ConfigProblem> _problems;
    private readonly HashSet<string> _known = new(StringComparer.Ordinal);
    private readonly List<TableReader> _children = [];

    public TableReader(TomlNode table, string path, List<ConfigProblem> problems)
    {
        _table = table;
        Path = path;
        _problems = problems;
    }

    /// <summary>Dotted path of this table ("" for the root).</summary>
    public string Path { get; }

    /// <summary>Line of the table (its header, or the first key that created it).</summary>
    public int Line => _table.Line;

    public string KeyPath(string key) => Path.Length == 0 ? key : Path + "." + key;

    public void Problem(int line, string key, string message) => _problems.Add(new ConfigProblem(line, KeyPath(key), message));

    /// <summary>The value under <paramref name="name"/> or one of its aliases, with the spelling that was used.</summary>
    public (string Key, TomlNode Node)? Take(string name, params string[] aliases)
    {
        (string, TomlNode)? found = null;
        foreach (var key in aliases.Prepend(name))
        {
            _known.Add(key);
            var node = _table.Get(key);
            if (node is null)
            {
                continue;
            }

            if (found is { } first)
            {
                Problem(node.Line, key, $"given twice, also as '{KeyPath(first.Item1)}'");
                continue;
            }

            found = (key, node);
        }

        return found;
    }

    public string? String(string name, params string[] aliases)
    {
        if (Take(name, aliases) is not var (key, node))
        {
            return null;
        }

        return Expect(node, key, TomlNodeKind.String) ? (string)node.Scalar! : null;
    }

    /// <summary>An optional file or directory path: a string that, when given, must not be empty.</summary>
    public string? FilePath(string name, params string[] aliases)
    {
        if (Take(name, aliases) is not var (key, node))
        {
            return null;
        }

        if (!Expect(node, key, TomlNodeKind.String))
        {
            return null;
        }

        var value = (string)node.Scalar!;
        if (value.Length == 0)
        {
            Problem(node.Line, key, "must not be empty");
            return null;
        }

        return value;
    }

    public string RequiredString(string name, params string[] aliases)
    {
        if (Take(name, aliases) is not var (key, node))
        {
            Missing(name);
            return string.Empty;
        }

        if (!Expect(node, key, TomlNodeKind.String))
        {
            return string.Empty;
        }

        var value = (string)node.Scalar!;
        if (value.Length == 0)
        {
            Problem(node.Line, key, "must not be empty");
        }

        return value;
    }

    public bool? Bool(string name, params string[] aliases)
    {
        if (Take(name, aliases) is not var (key, node))
        {
            return null;
        }

        return Expect(node, key, TomlNodeKind.Boolean) ? (bool)node.Scalar! : null;
    }

    public long? Integer(string name, long min = long.MinValue, long max = long.MaxValue, params string[] aliases)
    {
        if (Take(name, aliases) is not var (key, node))
        {
            return null;
        }

        if (!Expect(node, key, TomlNodeKind.Integer))
        {
            return null;
        }

        var value = (long)node.Scalar!;
        if (value < min || value > max)
        {
            Problem(node.Line, key, max == long.MaxValue ? $"{value} is too small; it must be at least {min}" : $"{value} is out of range ({min} to {max})");
            return null;
        }

        return value;
    }

    public double? Float(string name)
    {
        if (Take(name) is not var (key, node))
        {
            return null;
        }

        switch (node.Kind)
        {
            case TomlNodeKind.Float:
                return (double)node.Scalar!;
            case TomlNodeKind.Integer:
                return (long)node.Scalar!;
            default:
                Expect(node, key, TomlNodeKind.Float);
                return null;
        }
    }

    /// <summary>An optional array of paths: strings, none of them empty.</summary>
    public List<string>? PathList(string name) => StringList(name, nonEmpty: true);

    public List<string>? StringList(string name, params string[] aliases) => StringList(name, nonEmpty: false, aliases);

    private List<string>? StringList(string name, bool nonEmpty, params string[] aliases)
    {
        if (Take(name, aliases) is not var (key, node))
        {
            return null;
        }

        if (!Expect(node, key, TomlNodeKind.Array, "an array of strings"))
        {
            return null;
        }

        var list = new List<string>();
        for (var i = 0; i < node.Items.Count; i++)
        {
            var item = node.Items[i];
            if (item.Kind != TomlNodeKind.String)
            {
                Problem(item.Line, $"{key}[{i}]", $"expected a string, found {item.Describe()}");
                continue;
            }

            if (nonEmpty && ((string)item.Scalar!).Length == 0)
            {
                Problem(item.Line, $"{key}[{i}]", "must not be empty");
                continue;
            }

            list.Add((string)item.Scalar!);
        }

        return list;
    }

    public IPEndPoint? EndPoint(string name, params string[] aliases)
    {
        if (Take(name, aliases) is not var (key, node))
        {
            return null;
        }

        return ParseEndPoint(node, key);
    }

    public IPEndPoint? ParseEndPoint(TomlNode node, string key)
    {
        if (!Expect(node, key, TomlNodeKind.String, "a string \"ip:port\""))
        {
            return null;
        }

        if (!Addresses.TryParseEndPoint((string)node.Scalar!, out var endPoint, out var error))
        {
            Problem(node.Line, key, error);
            return null;
        }

        return endPoint;
    }

    /// <summary>A sub-table; null when absent (or not a table, which is reported).</summary>
    public TableReader? Table(string name, params string[] aliases)
    {
        if (Take(name, aliases) is not var (key, node))
        {
            return null;
        }

        return Child(node, key);
    }

    public TableReader? Child(TomlNode node, string key)
    {
        if (!Expect(node, key, TomlNodeKind.Table))
        {
            return null;
        }

        var child = new TableReader(node, KeyPath(key), _problems);
        _children.Add(child);
        return child;
    }

    /// <summary>Every key of this table, for tables keyed by user names (<c>reaper.tables</c>).</summary>
    public IEnumerable<KeyValuePair<string, TomlNode>> TakeAll()
    {
        foreach (var entry in _table.Entries)
        {
            _known.Add(entry.Key);
        }

        return _table.Entries;
    }

    /// <summary>The message of an unknown key problem.</summary>
    public const string UnknownKey = "unknown key";

    public void Missing(string name) => _problems.Add(new ConfigProblem(Line, KeyPath(name), "required key is missing"));

    /// <summary>Reports the keys of this table and its child tables that nobody read.</summary>
    public void Finish()
    {
        foreach (var entry in _table.Entries)
        {
            if (!_known.Contains(entry.Key))
            {
                Problem(entry.Value.Line, entry.Key, UnknownKey);
            }
        }

        foreach (var child in _children)
        {
            child.Finish();
        }
    }

    private bool Expect(TomlNode node, string key, TomlNodeKind kind, string? what = null)
    {
        if (node.Kind == kind)
        {
            return true;
        }

        what ??= kind switch
        {
            TomlNodeKind.String => "a string",
            TomlNodeKind.Integer => "an integer",
            TomlNodeKind.Boolean => "a boolean (true or false)",
            TomlNodeKind.Table => "a table",
            TomlNodeKind.Float => "a number",
            _ => kind.ToString(),
        };
        Problem(node.Line, key, $"expected {what}, found {node.Describe()}");
        return false;
    }
}
