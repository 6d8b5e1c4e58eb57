namespace Corrosion.Schema;

/// <summary>
/// One statement of a schema file, classified from its leading tokens before SQLite runs it, so that statements
/// the rules forbid are refused by name and never executed.
/// </summary>
internal sealed record SchemaStatement
{
    private SchemaStatement(string sql, string source, SchemaStatementKind kind, string description)
    {
        Sql = sql;
        Source = source;
        Kind = kind;
        Description = description;
    }

    /// <summary>The statement as written, without surrounding comments or the trailing semicolon.</summary>
    public string Sql { get; }

    /// <summary>The schema file (or stored row source) the statement came from.</summary>
    public string Source { get; }

    public SchemaStatementKind Kind { get; }

    /// <summary>The statement kind in words, e.g. <c>CREATE TABLE</c>, <c>DROP INDEX</c>, <c>INSERT</c>.</summary>
    public string Description { get; }

    /// <summary>The declared table or index name, or null when the header could not be read.</summary>
    public string? Name { get; private init; }

    /// <summary>The schema qualifier written before the name (<c>main</c>, <c>temp</c>, ...), if any.</summary>
    public string? Qualifier { get; private init; }

    /// <summary>For an index, the table it is on.</summary>
    public string? Table { get; private init; }

    public bool IsTemporary { get; private init; }

    public bool IsVirtual { get; private init; }

    public bool IsAsSelect { get; private init; }

    public bool IsUnique { get; private init; }

    public bool HasAutoincrement { get; private init; }

    public static SchemaStatement Classify(string statementText, string source)
    {
        var tokens = SqlTokenizer.Tokenize(statementText);
        var count = tokens.Count;
        while (count > 0 && tokens[count - 1].IsPunctuation(';'))
        {
            count--;
        }

        // Keep the text as written, minus the comments before it and the terminator after it.
        var sql = count == 0 ? string.Empty : statementText[tokens[0].Start..tokens[count - 1].End];
        tokens = tokens[..count];
        if (count == 0 || !tokens[0].IsKeyword("CREATE"))
        {
            return new SchemaStatement(sql, source, SchemaStatementKind.Other, Describe(tokens));
        }

        var i = 1;
        var temporary = false;
        var unique = false;
        var isVirtual = false;
        while (i < count && (tokens[i].IsKeyword("TEMP") || tokens[i].IsKeyword("TEMPORARY") || tokens[i].IsKeyword("UNIQUE") || tokens[i].IsKeyword("VIRTUAL")))
        {
            temporary |= tokens[i].IsKeyword("TEMP") || tokens[i].IsKeyword("TEMPORARY");
            unique |= tokens[i].IsKeyword("UNIQUE");
            isVirtual |= tokens[i].IsKeyword("VIRTUAL");
            i++;
        }

        SchemaStatementKind kind;
        if (i < count && tokens[i].IsKeyword("TABLE"))
        {
            kind = SchemaStatementKind.CreateTable;
        }
        else if (i < count && tokens[i].IsKeyword("INDEX"))
        {
            kind = SchemaStatementKind.CreateIndex;
        }
        else
        {
            return new SchemaStatement(sql, source, SchemaStatementKind.Other, Describe(tokens));
        }

        i++;
        if (i + 2 < count && tokens[i].IsKeyword("IF") && tokens[i + 1].IsKeyword("NOT") && tokens[i + 2].IsKeyword("EXISTS"))
        {
            i += 3;
        }

        string? qualifier = null;
        string? name = null;
        if (i < count && tokens[i].IsName)
        {
            name = tokens[i].Name;
            i++;
            if (i + 1 < count && tokens[i].IsPunctuation('.') && tokens[i + 1].IsName)
            {
                qualifier = name;
                name = tokens[i + 1].Name;
                i += 2;
            }
        }

        string? table = null;
        if (kind == SchemaStatementKind.CreateIndex && i + 1 < count && tokens[i].IsKeyword("ON") && tokens[i + 1].IsName)
        {
            table = tokens[i + 1].Name;
        }

        var qualifiedTemp = qualifier is not null && qualifier.Equals("temp", StringComparison.OrdinalIgnoreCase);
        return new SchemaStatement(sql, source, kind, kind == SchemaStatementKind.CreateTable ? "CREATE TABLE" : "CREATE INDEX")
        {
            Name = name,
            Qualifier = qualifier,
            Table = table,
            IsTemporary = temporary || qualifiedTemp,
            IsVirtual = isVirtual,
            IsUnique = unique,
            IsAsSelect = kind == SchemaStatementKind.CreateTable && i < count && tokens[i].IsKeyword("AS"),
            HasAutoincrement = tokens.Any(t => t.IsKeyword("AUTOINCREMENT")),
        };
    }

    /// <summary>Names a statement kind for an error message: <c>DROP INDEX</c>, <c>CREATE VIEW</c>, <c>INSERT</c>.</summary>
    private static string Describe(List<SqlToken> tokens)
    {
        if (tokens.Count == 0 || tokens[0].Kind != SqlTokenKind.Word)
        {
            return tokens.Count == 0 ? "an empty statement" : $"'{tokens[0].Text}'";
        }

        var words = new List<string> { tokens[0].Text.ToUpperInvariant() };
        if (tokens[0].IsKeyword("CREATE") || tokens[0].IsKeyword("DROP") || tokens[0].IsKeyword("ALTER"))
        {
            for (var i = 1; i < tokens.Count && tokens[i].Kind == SqlTokenKind.Word; i++)
            {
                words.Add(tokens[i].Text.ToUpperInvariant());
                var modifier = tokens[i].IsKeyword("TEMP") || tokens[i].IsKeyword("TEMPORARY") || tokens[i].IsKeyword("UNIQUE") || tokens[i].IsKeyword("VIRTUAL");
                if (!modifier)
                {
                    break;
                }
            }
        }

        return string.Join(' ', words);
    }
}
