using static Corrosion.Templates.Syntax;
using Index = Corrosion.Templates.Syntax.Index;
using Range = Corrosion.Templates.Syntax.Range;

namespace Corrosion.Templates;

/// <summary>Recursive-descent parser for the Rhai subset templates use, over <see cref="TemplateLexer"/>'s tokens.</summary>
internal sealed class TemplateParser
{
    // Deeply nested input (thousands of '(') would otherwise overflow the stack of whoever renders.
    private const int MaxDepth = 200;

    private readonly IReadOnlyList<Token> _tokens;
    private readonly string _file;
    private int _pos;
    private int _depth;

    private TemplateParser(IReadOnlyList<Token> tokens, string fileName)
    {
        _tokens = tokens;
        _file = fileName;
    }

    public static Block Parse(string source, string fileName)
    {
        var parser = new TemplateParser(TemplateLexer.Lex(source, fileName), fileName);
        var statements = parser.ParseStatements(untilBrace: false);
        return new Block(1, 1, statements);
    }

    private Token Current => _tokens[_pos];

    private Token PeekAt(int offset) => _tokens[Math.Min(_pos + offset, _tokens.Count - 1)];

    private Token Take() => _tokens[_pos < _tokens.Count - 1 ? _pos++ : _pos];

    private bool Accept(TokenKind kind)
    {
        if (Current.Kind != kind)
        {
            return false;
        }

        Take();
        return true;
    }

    private Token Expect(TokenKind kind, string what)
    {
        if (Current.Kind != kind)
        {
            throw Error(Current, $"expected {what}, found {Current}");
        }

        return Take();
    }

    private List<Stmt> ParseStatements(bool untilBrace)
    {
        var statements = new List<Stmt>();
        while (true)
        {
            while (Current.Kind is TokenKind.Semicolon or TokenKind.CodeClose)
            {
                Take();
            }

            if (Current.Kind == TokenKind.EndOfFile)
            {
                if (untilBrace)
                {
                    throw Error(Current, "expected '}' before the end of the template");
                }

                return statements;
            }

            if (Current.Kind == TokenKind.RBrace)
            {
                if (!untilBrace)
                {
                    throw Error(Current, "unexpected '}' (no block is open)");
                }

                return statements;
            }

            statements.Add(ParseStatement());
        }
    }

    private Stmt ParseStatement()
    {
        var t = Current;
        switch (t.Kind)
        {
            case TokenKind.Text:
                Take();
                return new Text(t.Line, t.Column, t.Text);
            case TokenKind.OutputOpen:
            {
                Take();
                var value = ParseExpression();
                Accept(TokenKind.Semicolon);
                Expect(TokenKind.OutputClose, "'%>' to close '<%='");
                return new Output(t.Line, t.Column, value);
            }

            case TokenKind.LBrace:
                return ParseBlock();
            case TokenKind.If:
                return ParseIf();
            case TokenKind.For:
                return ParseFor();
            case TokenKind.While:
            {
                Take();
                var condition = ParseExpression();
                return new While(t.Line, t.Column, condition, ParseBlock());
            }

            case TokenKind.Loop:
                Take();
                return new While(t.Line, t.Column, null, ParseBlock());
            case TokenKind.Let:
            case TokenKind.Const:
            {
                Take();
                var name = Expect(TokenKind.Identifier, "a variable name");
                Expr? value = null;
                if (Accept(TokenKind.Assign))
                {
                    value = ParseExpression();
                }
                else if (t.Kind == TokenKind.Const)
                {
                    throw Error(Current, $"constant '{name.Text}' needs a value");
                }

                EndOfStatement();
                return new Let(t.Line, t.Column, name.Text, value, t.Kind == TokenKind.Const);
            }

            case TokenKind.Break:
                Take();
                EndOfStatement();
                return new Break(t.Line, t.Column);
            case TokenKind.Continue:
                Take();
                EndOfStatement();
                return new Continue(t.Line, t.Column);
            case TokenKind.Return:
                Take();
                EndOfStatement();
                return new Return(t.Line, t.Column);
            case TokenKind.Identifier when t.Text == "fn":
                throw Error(t, "function definitions ('fn') are not supported in templates");
            default:
            {
                var expr = ParseExpression();
                if (Current.Kind is TokenKind.Assign or TokenKind.PlusAssign or TokenKind.MinusAssign
                    or TokenKind.StarAssign or TokenKind.SlashAssign or TokenKind.PercentAssign)
                {
                    var op = Take();
                    if (expr is not (Variable or Index or Property))
                    {
                        throw Error(op, "can only assign to a variable, an index or a property");
                    }

                    var value = ParseExpression();
                    EndOfStatement();
                    return new Assign(op.Line, op.Column, expr, op.Kind, value);
                }

                if (expr is not IfExpr)
                {
                    EndOfStatement();
                }

                return new ExprStmt(t.Line, t.Column, expr);
            }
        }
    }

    /// <summary>
    /// A statement ends with ';', or where a block or the template code ends. Unlike rhai_tpl, the end of a
    /// <c>&lt;% %&gt;</c> tag also ends a statement, so <c>&lt;% let x = 1 %&gt;</c> works.
    /// </summary>
    private void EndOfStatement()
    {
        if (Current.Kind is TokenKind.Semicolon)
        {
            Take();
            return;
        }

        if (Current.Kind is TokenKind.RBrace or TokenKind.EndOfFile or TokenKind.CodeClose or TokenKind.Text or TokenKind.OutputOpen)
        {
            return;
        }

        throw Error(Current, $"expected ';' before {Current}");
    }

    private Block ParseBlock()
    {
        var open = Expect(TokenKind.LBrace, "'{'");
        Enter(open);
        var statements = ParseStatements(untilBrace: true);
        Expect(TokenKind.RBrace, "'}'");
        _depth--;
        return new Block(open.Line, open.Column, statements);
    }

    private If ParseIf()
    {
        var t = Expect(TokenKind.If, "'if'");
        var condition = ParseExpression();
        var then = ParseBlock();
        Stmt? otherwise = null;
        if (Accept(TokenKind.Else))
        {
            otherwise = Current.Kind == TokenKind.If ? ParseIf() : ParseBlock();
        }

        return new If(t.Line, t.Column, condition, then, otherwise);
    }

    private For ParseFor()
    {
        var t = Expect(TokenKind.For, "'for'");
        string name;
        string? index = null;
        if (Accept(TokenKind.LParen))
        {
            name = Expect(TokenKind.Identifier, "a loop variable").Text;
            Expect(TokenKind.Comma, "','");
            index = Expect(TokenKind.Identifier, "a counter variable").Text;
            Expect(TokenKind.RParen, "')'");
        }
        else
        {
            name = Expect(TokenKind.Identifier, "a loop variable").Text;
        }

        Expect(TokenKind.In, "'in'");
        var source = ParseExpression();
        return new For(t.Line, t.Column, name, index, source, ParseBlock());
    }

    private Expr ParseExpression()
    {
        Enter(Current);
        var start = ParseOr();
        if (Current.Kind is TokenKind.DotDot or TokenKind.DotDotEq)
        {
            var op = Take();
            var end = ParseOr();
            start = new Range(op.Line, op.Column, start, end, op.Kind == TokenKind.DotDotEq);
        }

        _depth--;
        return start;
    }

    private Expr ParseOr() => ParseLeftAssociative(ParseAnd, TokenKind.OrOr, TokenKind.QuestionQuestion);

    private Expr ParseAnd() => ParseLeftAssociative(ParseEquality, TokenKind.AndAnd);

    private Expr ParseEquality() => ParseLeftAssociative(ParseComparison, TokenKind.EqEq, TokenKind.NotEq);

    private Expr ParseComparison() => ParseLeftAssociative(ParseAdditive, TokenKind.Less, TokenKind.LessEq, TokenKind.Greater, TokenKind.GreaterEq, TokenKind.In);

    private Expr ParseAdditive() => ParseLeftAssociative(ParseMultiplicative, TokenKind.Plus, TokenKind.Minus);

    private Expr ParseMultiplicative() => ParseLeftAssociative(ParsePower, TokenKind.Star, TokenKind.Slash, TokenKind.Percent);

    private Expr ParseLeftAssociative(Func<Expr> next, params TokenKind[] ops)
    {
        var left = next();
        while (Array.IndexOf(ops, Current.Kind) >= 0)
        {
            var op = Take();
            left = new Binary(op.Line, op.Column, op.Kind, left, next());
        }

        return left;
    }

    private Expr ParsePower()
    {
        var left = ParseUnary();
        if (Current.Kind == TokenKind.StarStar)
        {
            var op = Take();
            return new Binary(op.Line, op.Column, op.Kind, left, ParsePower());
        }

        return left;
    }

    private Expr ParseUnary()
    {
        if (Current.Kind is TokenKind.Minus or TokenKind.Bang or TokenKind.Plus)
        {
            var op = Take();
            Enter(op);
            var operand = ParseUnary();
            _depth--;
            return new Unary(op.Line, op.Column, op.Kind, operand);
        }

        return ParsePostfix(ParsePrimary());
    }

    private Expr ParsePostfix(Expr expr)
    {
        while (true)
        {
            var t = Current;
            if (t.Kind is TokenKind.Dot or TokenKind.QuestionDot)
            {
                Take();
                var name = Expect(TokenKind.Identifier, "a property or method name after '.'");
                if (Current.Kind == TokenKind.LParen)
                {
                    expr = new MethodCall(name.Line, name.Column, expr, name.Text, ParseArguments(), t.Kind == TokenKind.QuestionDot);
                }
                else
                {
                    expr = new Property(name.Line, name.Column, expr, name.Text, t.Kind == TokenKind.QuestionDot);
                }
            }
            else if (t.Kind == TokenKind.LBracket)
            {
                Take();
                var key = ParseExpression();
                Expect(TokenKind.RBracket, "']'");
                expr = new Index(t.Line, t.Column, expr, key);
            }
            else
            {
                return expr;
            }
        }
    }

    private List<Expr> ParseArguments()
    {
        Expect(TokenKind.LParen, "'('");
        var args = new List<Expr>();
        while (Current.Kind != TokenKind.RParen)
        {
            args.Add(ParseExpression());
            if (!Accept(TokenKind.Comma))
            {
                break;
            }
        }

        Expect(TokenKind.RParen, "')' to close the argument list");
        return args;
    }

    private Expr ParsePrimary()
    {
        var t = Current;
        switch (t.Kind)
        {
            case TokenKind.Integer:
                Take();
                return new Literal(t.Line, t.Column, t.Integer);
            case TokenKind.Float:
                Take();
                return new Literal(t.Line, t.Column, t.Float);
            case TokenKind.String:
                Take();
                return new Literal(t.Line, t.Column, t.Text);
            case TokenKind.True:
            case TokenKind.False:
                Take();
                return new Literal(t.Line, t.Column, t.Kind == TokenKind.True);
            case TokenKind.InterpolatedString:
            {
                Take();
                var parts = new List<object>();
                foreach (var part in t.Parts!)
                {
                    if (part is string s)
                    {
                        parts.Add(s);
                    }
                    else
                    {
                        var inner = new TemplateParser((IReadOnlyList<Token>)part, _file) { _depth = _depth };
                        var expr = inner.ParseExpression();
                        if (inner.Current.Kind != TokenKind.EndOfFile)
                        {
                            throw inner.Error(inner.Current, $"unexpected {inner.Current} in '${{...}}'");
                        }

                        parts.Add(expr);
                    }
                }

                return new Interpolated(t.Line, t.Column, parts);
            }

            case TokenKind.Identifier:
                Take();
                return Current.Kind == TokenKind.LParen
                    ? new Call(t.Line, t.Column, t.Text, ParseArguments())
                    : new Variable(t.Line, t.Column, t.Text);
            case TokenKind.LParen:
            {
                Take();
                if (Accept(TokenKind.RParen))
                {
                    return new Literal(t.Line, t.Column, TemplateUnit.Value);
                }

                var inner = ParseExpression();
                Expect(TokenKind.RParen, "')'");
                return inner;
            }

            case TokenKind.LBracket:
            {
                Take();
                var items = new List<Expr>();
                while (Current.Kind != TokenKind.RBracket)
                {
                    items.Add(ParseExpression());
                    if (!Accept(TokenKind.Comma))
                    {
                        break;
                    }
                }

                Expect(TokenKind.RBracket, "']' to close the array");
                return new ArrayLiteral(t.Line, t.Column, items);
            }

            case TokenKind.MapOpen:
            {
                Take();
                var entries = new List<KeyValuePair<string, Expr>>();
                while (Current.Kind != TokenKind.RBrace)
                {
                    var key = Current.Kind is TokenKind.Identifier or TokenKind.String
                        ? Take()
                        : throw Error(Current, $"expected a property name in the object map, found {Current}");
                    Expect(TokenKind.Colon, "':' after the property name");
                    entries.Add(new(key.Text, ParseExpression()));
                    if (!Accept(TokenKind.Comma))
                    {
                        break;
                    }
                }

                Expect(TokenKind.RBrace, "'}' to close the object map");
                return new MapLiteral(t.Line, t.Column, entries);
            }

            case TokenKind.If:
                return new IfExpr(t.Line, t.Column, ParseIf());
            default:
                throw Error(t, $"expected an expression, found {t}");
        }
    }

    private void Enter(Token at)
    {
        if (++_depth > MaxDepth)
        {
            throw Error(at, $"the template nests deeper than {MaxDepth} levels");
        }
    }

    private TemplateException Error(Token at, string reason) => new(_file, at.Line, at.Column, reason);
}
