namespace Corrosion.Templates;

/// <summary>
/// One lexed token with its 1-based position in the template file. <see cref="Text"/> holds identifiers, string
/// values and template text; <see cref="Parts"/> holds an interpolated string's literal parts (string) and
/// expression parts (token lists ending in <see cref="TokenKind.EndOfFile"/>).
/// </summary>
internal sealed record Token(TokenKind Kind, int Line, int Column, string Text = "", long Integer = 0, double Float = 0, IReadOnlyList<object>? Parts = null)
{
    public override string ToString() => Kind switch
    {
        TokenKind.EndOfFile => "end of file",
        TokenKind.Text => "template text",
        TokenKind.OutputOpen => "'<%='",
        TokenKind.OutputClose or TokenKind.CodeClose => "'%>'",
        TokenKind.Identifier => $"'{Text}'",
        TokenKind.String or TokenKind.InterpolatedString => "a string",
        TokenKind.Integer or TokenKind.Float => "a number",
        _ => $"'{Text}'",
    };
}
