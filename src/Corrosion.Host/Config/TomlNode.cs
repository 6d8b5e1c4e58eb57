namespace Corrosion.Host.Config;

/// <summary>The kind of a value in a parsed TOML document.</summary>
internal enum TomlNodeKind
{
    Table,
    Array,
    String,
    Integer,
    Float,
    Boolean,
    DateTime,
}

/// <summary>
/// A TOML value with the (1-based) line it was written on. Built from Tomlyn's syntax tree by
/// <see cref="TomlDocumentReader"/>, so dotted keys, <c>[tables]</c> and inline tables all end up the same shape
/// and every value still knows where it came from.
/// </summary>
internal sealed class TomlNode
{
    private TomlNode(TomlNodeKind kind, int line, object? scalar)
    {
        Kind = kind;
        Line = line;
        Scalar = scalar;
    }

    public TomlNodeKind Kind { get; }

    /// <summary>1-based line where the value (or the table header / first key of the table) appears.</summary>
    public int Line { get; }

    /// <summary>The value of a scalar: <see cref="string"/>, <see cref="long"/>, <see cref="double"/>, <see cref="bool"/>, or the date text.</summary>
    public object? Scalar { get; }

    /// <summary>Keys of a table in document order, each with the line of its key.</summary>
    public List<KeyValuePair<string, TomlNode>> Entries { get; } = [];

    /// <summary>Items of an array.</summary>
    public List<TomlNode> Items { get; } = [];

    /// <summary>True for a table created implicitly by a dotted key or a nested header.</summary>
    public bool Implicit { get; set; }

    /// <summary>True for a table defined inline (<c>{ ... }</c>); it cannot be extended later.</summary>
    public bool Inline { get; set; }

    public static TomlNode Table(int line) => new(TomlNodeKind.Table, line, null);

    public static TomlNode Array(int line) => new(TomlNodeKind.Array, line, null);

    public static TomlNode Value(TomlNodeKind kind, int line, object value) => new(kind, line, value);

    public TomlNode? Get(string key)
    {
        foreach (var entry in Entries)
        {
            if (string.Equals(entry.Key, key, StringComparison.Ordinal))
            {
                return entry.Value;
            }
        }

        return null;
    }

    /// <summary>How a value is named in error messages: "a string", "an integer", ...</summary>
    public string Describe() => Kind switch
    {
        TomlNodeKind.Table => "a table",
        TomlNodeKind.Array => "an array",
        TomlNodeKind.String => "a string",
        TomlNodeKind.Integer => "an integer",
        TomlNodeKind.Float => "a float",
        TomlNodeKind.Boolean => "a boolean",
        TomlNodeKind.DateTime => "a date-time",
        _ => Kind.ToString(),
    };
}
