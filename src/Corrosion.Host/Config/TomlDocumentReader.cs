using Tomlyn.Parsing;
using Tomlyn.Syntax;

namespace Corrosion.Host.Config;

/// <summary>
/// Parses TOML text with Tomlyn's full-fidelity syntax parser and turns the syntax tree into a <see cref="TomlNode"/>
/// tree that keeps the line of every key. Syntax and semantic errors (duplicate keys, redefined tables) come back as
/// <see cref="ConfigProblem"/>s with their line.
/// </summary>
internal static class TomlDocumentReader
{
    public static TomlNode Read(string text, string sourceName, List<ConfigProblem> problems)
    {
        var root = TomlNode.Table(1);
        DocumentSyntax document;
        try
        {
            document = SyntaxParser.Parse(text, sourceName, validate: true);
        }
        catch (Tomlyn.TomlException ex)
        {
            problems.Add(new ConfigProblem((ex.Line ?? -1) + 1, null, ex.Message));
            return root;
        }

        if (document.HasErrors)
        {
            foreach (var diagnostic in document.Diagnostics)
            {
                if (diagnostic.Kind == DiagnosticMessageKind.Error)
                {
                    problems.Add(new ConfigProblem(diagnostic.Span.Start.Line + 1, null, diagnostic.Message));
                }
            }

            return root;
        }

        foreach (var keyValue in document.KeyValues)
        {
            AddKeyValue(root, string.Empty, keyValue, problems);
        }

        foreach (var table in document.Tables)
        {
            var line = LineOf(table);
            var path = KeyParts(table.Name!);
            var isArray = table is TableArraySyntax;
            var target = OpenTable(root, path, line, isArray, problems);
            if (target is null)
            {
                continue;
            }

            var prefix = string.Join('.', path);
            foreach (var item in table.Items)
            {
                AddKeyValue(target, prefix, item, problems);
            }
        }

        return root;
    }

    private static int LineOf(SyntaxNodeBase node) => node.Span.Start.Line + 1;

    private static List<string> KeyParts(KeySyntax key)
    {
        var parts = new List<string> { KeyText(key.Key!) };
        foreach (var dotted in key.DotKeys)
        {
            parts.Add(KeyText(dotted.Key!));
        }

        return parts;
    }

    private static string KeyText(BareKeyOrStringValueSyntax key) => key switch
    {
        BareKeySyntax bare => bare.Key!.Text!,
        StringValueSyntax quoted => quoted.Value!,
        _ => key.ToString() ?? string.Empty,
    };

    private static string Join(string prefix, string key) => prefix.Length == 0 ? key : prefix + "." + key;

    private static TomlNode? OpenTable(TomlNode root, List<string> path, int line, bool isArray, List<ConfigProblem> problems)
    {
        var current = root;
        var soFar = string.Empty;
        for (var i = 0; i < path.Count; i++)
        {
            soFar = Join(soFar, path[i]);
            var last = i == path.Count - 1;
            var existing = current.Get(path[i]);
            if (last && isArray)
            {
                if (existing is null)
                {
                    existing = TomlNode.Array(line);
                    current.Entries.Add(new(path[i], existing));
                }
                else if (existing.Kind != TomlNodeKind.Array)
                {
                    problems.Add(new ConfigProblem(line, soFar, "is already defined as " + existing.Describe()));
                    return null;
                }

                var element = TomlNode.Table(line);
                existing.Items.Add(element);
                return element;
            }

            if (existing is null)
            {
                existing = TomlNode.Table(line);
                existing.Implicit = !last;
                current.Entries.Add(new(path[i], existing));
            }
            else if (existing.Kind == TomlNodeKind.Array && existing.Items.Count > 0 && existing.Items[^1].Kind == TomlNodeKind.Table)
            {
                // [[a]] then [a.b]: b belongs to the last element of a.
                existing = existing.Items[^1];
            }
            else if (existing.Kind != TomlNodeKind.Table || existing.Inline)
            {
                problems.Add(new ConfigProblem(line, soFar, "is already defined as " + existing.Describe()));
                return null;
            }

            current = existing;
        }

        return current;
    }

    private static void AddKeyValue(TomlNode table, string prefix, KeyValueSyntax keyValue, List<ConfigProblem> problems)
    {
        var line = LineOf(keyValue);
        var parts = KeyParts(keyValue.Key!);
        var current = table;
        var path = prefix;
        for (var i = 0; i < parts.Count - 1; i++)
        {
            path = Join(path, parts[i]);
            var existing = current.Get(parts[i]);
            if (existing is null)
            {
                existing = TomlNode.Table(line);
                existing.Implicit = true;
                current.Entries.Add(new(parts[i], existing));
            }
            else if (existing.Kind != TomlNodeKind.Table || existing.Inline)
            {
                problems.Add(new ConfigProblem(line, path, "is already defined as " + existing.Describe()));
                return;
            }

            current = existing;
        }

        var name = parts[^1];
        path = Join(path, name);
        if (current.Get(name) is not null)
        {
            problems.Add(new ConfigProblem(line, path, "is defined twice"));
            return;
        }

        var value = ToNode(keyValue.Value!, path, problems);
        if (value is not null)
        {
            current.Entries.Add(new(name, value));
        }
    }

    private static TomlNode? ToNode(ValueSyntax value, string path, List<ConfigProblem> problems)
    {
        var line = LineOf(value);
        switch (value)
        {
            case StringValueSyntax s:
                return TomlNode.Value(TomlNodeKind.String, line, s.Value ?? string.Empty);
            case IntegerValueSyntax n:
                return TomlNode.Value(TomlNodeKind.Integer, line, n.Value);
            case FloatValueSyntax f:
                return TomlNode.Value(TomlNodeKind.Float, line, f.Value);
            case BooleanValueSyntax b:
                return TomlNode.Value(TomlNodeKind.Boolean, line, b.Value);
            case DateTimeValueSyntax d:
                return TomlNode.Value(TomlNodeKind.DateTime, line, d.ToString().Trim());
            case ArraySyntax array:
                var node = TomlNode.Array(line);
                var index = 0;
                foreach (var item in array.Items)
                {
                    var child = ToNode(item.Value!, path + "[" + index + "]", problems);
                    if (child is not null)
                    {
                        node.Items.Add(child);
                    }

                    index++;
                }

                return node;
            case InlineTableSyntax inline:
                var table = TomlNode.Table(line);
                foreach (var item in inline.Items)
                {
                    AddKeyValue(table, path, item.KeyValue!, problems);
                }

                table.Inline = true;
                return table;
            default:
                problems.Add(new ConfigProblem(line, path, "has a value this reader does not understand"));
                return null;
        }
    }
}
