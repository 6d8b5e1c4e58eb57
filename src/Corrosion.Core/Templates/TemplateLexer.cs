using System.Globalization;
using System.Text;

namespace Corrosion.Templates;

/// <summary>
/// Turns a template file into one token stream: literal text becomes <see cref="TokenKind.Text"/> tokens, the code
/// inside <c>&lt;% %&gt;</c> and <c>&lt;%= %&gt;</c> becomes Rhai tokens. Lexing the whole file at once lets a block
/// opened in one tag close in another (<c>&lt;% for x in xs { %&gt; ... &lt;% } %&gt;</c>).
/// </summary>
internal sealed class TemplateLexer
{
    private readonly string _src;
    private readonly string _file;
    private int _pos;
    private int _line = 1;
    private int _col = 1;

    private TemplateLexer(string source, string fileName)
    {
        _src = source;
        _file = fileName;
    }

    public static List<Token> Lex(string source, string fileName)
    {
        var lexer = new TemplateLexer(source, fileName);
        var tokens = new List<Token>();
        lexer.LexTemplate(tokens);
        return tokens;
    }

    private void LexTemplate(List<Token> tokens)
    {
        var afterControlTag = false;
        while (_pos < _src.Length)
        {
            var (line, col) = (_line, _col);
            var open = _src.IndexOf("<%", _pos, StringComparison.Ordinal);
            var end = open < 0 ? _src.Length : open;
            var text = _src[_pos..end];
            AdvanceTo(end);
            if (afterControlTag)
            {
                // rhai_tpl's rule, kept so templates render as they did with the original: the newline that ends a
                // `<% ... %>` line is dropped, so control lines leave no blank lines behind; but text that is only
                // that newline is kept (its `write('\n')` special case).
                if (text.StartsWith("\r\n", StringComparison.Ordinal) && text.Length > 2)
                {
                    text = text[2..];
                    (line, col) = (line + 1, 1);
                }
                else if (text.StartsWith('\n') && text.Length > 1)
                {
                    text = text[1..];
                    (line, col) = (line + 1, 1);
                }
            }

            if (text.Length > 0)
            {
                tokens.Add(new Token(TokenKind.Text, line, col, text));
            }

            if (open < 0)
            {
                break;
            }

            var (openLine, openCol) = (_line, _col);
            var output = open + 2 < _src.Length && _src[open + 2] == '=';
            Advance(output ? 3 : 2);
            if (output)
            {
                tokens.Add(new Token(TokenKind.OutputOpen, openLine, openCol, "<%="));
            }

            LexCode(tokens, _src.Length, inTag: true, openLine, openCol);
            tokens.Add(new Token(output ? TokenKind.OutputClose : TokenKind.CodeClose, _line, _col, "%>"));
            Advance(2);
            afterControlTag = !output;
        }

        tokens.Add(new Token(TokenKind.EndOfFile, _line, _col));
    }

    /// <summary>Lexes code up to <paramref name="limit"/>, or up to the tag's <c>%&gt;</c> when <paramref name="inTag"/>.</summary>
    private void LexCode(List<Token> tokens, int limit, bool inTag, int openLine, int openCol)
    {
        while (true)
        {
            SkipTrivia(limit);
            if (_pos >= limit)
            {
                if (inTag)
                {
                    throw Error(openLine, openCol, "unclosed tag: '<%' has no matching '%>'");
                }

                return;
            }

            if (inTag && Peek(0) == '%' && Peek(1) == '>')
            {
                return;
            }

            tokens.Add(NextToken(limit));
        }
    }

    private void SkipTrivia(int limit)
    {
        while (_pos < limit)
        {
            var c = _src[_pos];
            if (char.IsWhiteSpace(c))
            {
                Advance(1);
            }
            else if (c == '/' && Peek(1) == '/')
            {
                // A line comment ends at the end of the line or of the tag, whichever comes first.
                while (_pos < limit && _src[_pos] != '\n' && !(_src[_pos] == '%' && Peek(1) == '>'))
                {
                    Advance(1);
                }
            }
            else if (c == '/' && Peek(1) == '*')
            {
                var (line, col) = (_line, _col);
                Advance(2);
                var depth = 1; // Rhai block comments nest.
                while (depth > 0)
                {
                    if (_pos >= limit)
                    {
                        throw Error(line, col, "unterminated block comment");
                    }

                    if (_src[_pos] == '/' && Peek(1) == '*')
                    {
                        depth++;
                        Advance(2);
                    }
                    else if (_src[_pos] == '*' && Peek(1) == '/')
                    {
                        depth--;
                        Advance(2);
                    }
                    else
                    {
                        Advance(1);
                    }
                }
            }
            else
            {
                return;
            }
        }
    }

    private Token NextToken(int limit)
    {
        var (line, col) = (_line, _col);
        var c = _src[_pos];
        if (char.IsAsciiLetter(c) || c == '_')
        {
            var start = _pos;
            while (_pos < limit && (char.IsAsciiLetterOrDigit(_src[_pos]) || _src[_pos] == '_'))
            {
                Advance(1);
            }

            var word = _src[start.._pos];
            return new Token(Keyword(word), line, col, word);
        }

        if (char.IsAsciiDigit(c))
        {
            return Number(limit, line, col);
        }

        if (c == '"')
        {
            return QuotedString(limit, line, col);
        }

        if (c == '\'')
        {
            // Rhai chars; this engine treats them as one-character strings.
            var s = QuotedString(limit, line, col);
            return s;
        }

        if (c == '`')
        {
            return BacktickString(limit, line, col);
        }

        var (kind, length) = (c, Peek(1), Peek(2)) switch
        {
            ('#', '{', _) => (TokenKind.MapOpen, 2),
            ('.', '.', '=') => (TokenKind.DotDotEq, 3),
            ('.', '.', _) => (TokenKind.DotDot, 2),
            ('?', '.', _) => (TokenKind.QuestionDot, 2),
            ('?', '?', _) => (TokenKind.QuestionQuestion, 2),
            ('*', '*', _) => (TokenKind.StarStar, 2),
            ('=', '=', _) => (TokenKind.EqEq, 2),
            ('!', '=', _) => (TokenKind.NotEq, 2),
            ('<', '=', _) => (TokenKind.LessEq, 2),
            ('>', '=', _) => (TokenKind.GreaterEq, 2),
            ('&', '&', _) => (TokenKind.AndAnd, 2),
            ('|', '|', _) => (TokenKind.OrOr, 2),
            ('+', '=', _) => (TokenKind.PlusAssign, 2),
            ('-', '=', _) => (TokenKind.MinusAssign, 2),
            ('*', '=', _) => (TokenKind.StarAssign, 2),
            ('/', '=', _) => (TokenKind.SlashAssign, 2),
            ('%', '=', _) => (TokenKind.PercentAssign, 2),
            ('(', _, _) => (TokenKind.LParen, 1),
            (')', _, _) => (TokenKind.RParen, 1),
            ('[', _, _) => (TokenKind.LBracket, 1),
            (']', _, _) => (TokenKind.RBracket, 1),
            ('{', _, _) => (TokenKind.LBrace, 1),
            ('}', _, _) => (TokenKind.RBrace, 1),
            (',', _, _) => (TokenKind.Comma, 1),
            (';', _, _) => (TokenKind.Semicolon, 1),
            (':', _, _) => (TokenKind.Colon, 1),
            ('.', _, _) => (TokenKind.Dot, 1),
            ('+', _, _) => (TokenKind.Plus, 1),
            ('-', _, _) => (TokenKind.Minus, 1),
            ('*', _, _) => (TokenKind.Star, 1),
            ('/', _, _) => (TokenKind.Slash, 1),
            ('%', _, _) => (TokenKind.Percent, 1),
            ('!', _, _) => (TokenKind.Bang, 1),
            ('=', _, _) => (TokenKind.Assign, 1),
            ('<', _, _) => (TokenKind.Less, 1),
            ('>', _, _) => (TokenKind.Greater, 1),
            _ => (TokenKind.EndOfFile, 0),
        };
        if (length == 0)
        {
            throw Error(line, col, $"unexpected character '{c}'");
        }

        var text = _src.Substring(_pos, length);
        Advance(length);
        return new Token(kind, line, col, text);
    }

    private static TokenKind Keyword(string word) => word switch
    {
        "let" => TokenKind.Let,
        "const" => TokenKind.Const,
        "if" => TokenKind.If,
        "else" => TokenKind.Else,
        "for" => TokenKind.For,
        "in" => TokenKind.In,
        "while" => TokenKind.While,
        "loop" => TokenKind.Loop,
        "break" => TokenKind.Break,
        "continue" => TokenKind.Continue,
        "return" => TokenKind.Return,
        "true" => TokenKind.True,
        "false" => TokenKind.False,
        _ => TokenKind.Identifier,
    };

    private Token Number(int limit, int line, int col)
    {
        var start = _pos;
        if (_src[_pos] == '0' && (Peek(1) is 'x' or 'X' or 'b' or 'B' or 'o' or 'O'))
        {
            var radix = char.ToLowerInvariant(Peek(1)) switch { 'x' => 16, 'b' => 2, _ => 8 };
            Advance(2);
            var digitsStart = _pos;
            while (_pos < limit && (char.IsAsciiHexDigit(_src[_pos]) || _src[_pos] == '_'))
            {
                Advance(1);
            }

            var digits = _src[digitsStart.._pos].Replace("_", string.Empty, StringComparison.Ordinal);
            try
            {
                return new Token(TokenKind.Integer, line, col, _src[start.._pos], Integer: Convert.ToInt64(digits, radix));
            }
            catch (Exception ex) when (ex is FormatException or OverflowException or ArgumentException)
            {
                throw Error(line, col, $"invalid number '{_src[start.._pos]}'");
            }
        }

        var isFloat = false;
        SkipDigits(limit);
        // `1..5` is a range, not the float `1.` followed by `.5`: a dot only starts a fraction before a digit.
        if (Peek(0) == '.' && char.IsAsciiDigit(Peek(1)))
        {
            isFloat = true;
            Advance(1);
            SkipDigits(limit);
        }

        if (Peek(0) is 'e' or 'E' && (char.IsAsciiDigit(Peek(1)) || (Peek(1) is '+' or '-' && char.IsAsciiDigit(Peek(2)))))
        {
            isFloat = true;
            Advance(2);
            SkipDigits(limit);
        }

        var literal = _src[start.._pos];
        var clean = literal.Replace("_", string.Empty, StringComparison.Ordinal);
        if (isFloat)
        {
            return new Token(TokenKind.Float, line, col, literal, Float: double.Parse(clean, NumberStyles.Float, CultureInfo.InvariantCulture));
        }

        if (!long.TryParse(clean, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            throw Error(line, col, $"integer '{literal}' is too large");
        }

        return new Token(TokenKind.Integer, line, col, literal, Integer: value);
    }

    private void SkipDigits(int limit)
    {
        while (_pos < limit && (char.IsAsciiDigit(_src[_pos]) || _src[_pos] == '_'))
        {
            Advance(1);
        }
    }

    private Token QuotedString(int limit, int line, int col)
    {
        var quote = _src[_pos];
        Advance(1);
        var sb = new StringBuilder();
        while (true)
        {
            if (_pos >= limit)
            {
                throw Error(line, col, "unterminated string");
            }

            var c = _src[_pos];
            if (c == quote)
            {
                Advance(1);
                break;
            }

            if (c == '\n' && quote == '"')
            {
                throw Error(line, col, "unterminated string (use a backtick string for several lines)");
            }

            if (c != '\\')
            {
                sb.Append(c);
                Advance(1);
                continue;
            }

            var (escLine, escCol) = (_line, _col);
            Advance(1);
            if (_pos >= limit)
            {
                throw Error(line, col, "unterminated string");
            }

            var e = _src[_pos];
            Advance(1);
            switch (e)
            {
                case 'n': sb.Append('\n'); break;
                case 't': sb.Append('\t'); break;
                case 'r': sb.Append('\r'); break;
                case '0': sb.Append('\0'); break;
                case '\\': sb.Append('\\'); break;
                case '"': sb.Append('"'); break;
                case '\'': sb.Append('\''); break;
                case '\n':
                    // A backslash at the end of a line continues the string on the next one, without the indentation.
                    while (_pos < limit && _src[_pos] is ' ' or '\t')
                    {
                        Advance(1);
                    }

                    break;
                case 'x': sb.Append(HexEscape(2, limit, escLine, escCol)); break;
                case 'u': sb.Append(HexEscape(4, limit, escLine, escCol)); break;
                case 'U': sb.Append(HexEscape(8, limit, escLine, escCol)); break;
                default: throw Error(escLine, escCol, $"unknown escape sequence '\\{e}'");
            }
        }

        return new Token(TokenKind.String, line, col, sb.ToString());
    }

    private string HexEscape(int digits, int limit, int line, int col)
    {
        if (_pos + digits > limit || !int.TryParse(_src.AsSpan(_pos, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code)
            || code > 0x10FFFF || code is >= 0xD800 and <= 0xDFFF)
        {
            throw Error(line, col, $"invalid escape: expected {digits} hex digits of a Unicode scalar");
        }

        Advance(digits);
        return char.ConvertFromUtf32(code);
    }

    /// <summary>
    /// <c>`text ${expr} text`</c>: no escapes, <c>``</c> is a literal backtick, and a newline right after the opening
    /// backtick is skipped (Rhai's rules).
    /// </summary>
    private Token BacktickString(int limit, int line, int col)
    {
        Advance(1);
        if (Peek(0) == '\r' && Peek(1) == '\n')
        {
            Advance(2);
        }
        else if (Peek(0) == '\n')
        {
            Advance(1);
        }

        var parts = new List<object>();
        var sb = new StringBuilder();
        while (true)
        {
            if (_pos >= limit)
            {
                throw Error(line, col, "unterminated string");
            }

            var c = _src[_pos];
            if (c == '`')
            {
                if (Peek(1) == '`')
                {
                    sb.Append('`');
                    Advance(2);
                    continue;
                }

                Advance(1);
                break;
            }

            if (c == '$' && Peek(1) == '{')
            {
                if (sb.Length > 0)
                {
                    parts.Add(sb.ToString());
                    sb.Clear();
                }

                var (exprLine, exprCol) = (_line, _col);
                Advance(2);
                var close = FindInterpolationEnd(limit);
                if (close < 0)
                {
                    throw Error(exprLine, exprCol, "unterminated '${' in string");
                }

                var inner = new List<Token>();
                LexCode(inner, close, inTag: false, exprLine, exprCol);
                inner.Add(new Token(TokenKind.EndOfFile, _line, _col));
                Advance(1);
                parts.Add(inner);
                continue;
            }

            sb.Append(c);
            Advance(1);
        }

        if (sb.Length > 0 || parts.Count == 0)
        {
            parts.Add(sb.ToString());
        }

        return parts.Count == 1 && parts[0] is string only
            ? new Token(TokenKind.String, line, col, only)
            : new Token(TokenKind.InterpolatedString, line, col, Parts: parts);
    }

    /// <summary>The index of the <c>}</c> closing an interpolation that starts at the cursor, skipping nested braces and strings.</summary>
    private int FindInterpolationEnd(int limit)
    {
        var depth = 0;
        for (var i = _pos; i < limit; i++)
        {
            var c = _src[i];
            if (c is '"' or '\'')
            {
                for (i++; i < limit && _src[i] != c; i++)
                {
                    if (_src[i] == '\\')
                    {
                        i++;
                    }
                }
            }
            else if (c == '{')
            {
                depth++;
            }
            else if (c == '}')
            {
                if (depth == 0)
                {
                    return i;
                }

                depth--;
            }
        }

        return -1;
    }

    private char Peek(int offset) => _pos + offset < _src.Length ? _src[_pos + offset] : '\0';

    private void Advance(int count)
    {
        for (var i = 0; i < count && _pos < _src.Length; i++)
        {
            if (_src[_pos] == '\n')
            {
                _line++;
                _col = 1;
            }
            else
            {
                _col++;
            }

            _pos++;
        }
    }

    private void AdvanceTo(int end) => Advance(end - _pos);

    private TemplateException Error(int line, int col, string reason) => new(_file, line, col, reason);
}
