namespace Corrosion.Schema;

/// <summary>One token of SQL text; <see cref="Start"/> and <see cref="End"/> index the original text.</summary>
internal readonly record struct SqlToken(SqlTokenKind Kind, string Text, int Start, int End)
{
    /// <summary>True for a bare word equal to <paramref name="keyword"/>, ignoring case as SQLite does.</summary>
    public bool IsKeyword(string keyword) =>
        Kind == SqlTokenKind.Word && Text.Equals(keyword, StringComparison.OrdinalIgnoreCase);

    public bool IsPunctuation(char c) => Kind == SqlTokenKind.Punctuation && Text.Length == 1 && Text[0] == c;

    /// <summary>True when SQLite accepts this token as a name (it also takes a string literal there).</summary>
    public bool IsName => Kind is SqlTokenKind.Word or SqlTokenKind.QuotedIdentifier or SqlTokenKind.String;

    /// <summary>The name this token stands for: quotes removed and doubled quote characters undone.</summary>
    public string Name => Kind switch
    {
        SqlTokenKind.QuotedIdentifier when Text[0] == '[' => Text[1..^1],
        SqlTokenKind.QuotedIdentifier or SqlTokenKind.String => Unquote(Text),
        _ => Text,
    };

    private static string Unquote(string text)
    {
        var quote = text[0];
        var inner = text.Length >= 2 && text[^1] == quote ? text[1..^1] : text[1..];
        return inner.Replace(new string(quote, 2), new string(quote, 1), StringComparison.Ordinal);
    }
}
