using System.Globalization;
using System.Text;
using Corrosion.Storage;
using static Corrosion.Templates.Syntax;
using static Corrosion.Templates.TemplateValues;
using Index = Corrosion.Templates.Syntax.Index;
using Range = Corrosion.Templates.Syntax.Range;

namespace Corrosion.Templates;

/// <summary>
/// Runs a parsed template once. Asynchronous because <c>sql(...)</c> asks the query source; everything else
/// completes synchronously. Not thread-safe: one instance per render.
/// </summary>
internal sealed class TemplateInterpreter
{
    private readonly string _file;
    private readonly ITemplateQuerySource _source;
    private readonly TemplateRenderOptions _options;
    private readonly CancellationToken _cancellationToken;
    private readonly StringBuilder _output = new();
    private readonly List<(string Name, object Value, bool IsConst)> _scope = [];
    private long _iterations;
    private int _loopDepth;

    public TemplateInterpreter(string fileName, ITemplateQuerySource source, TemplateRenderOptions options, CancellationToken cancellationToken)
    {
        _file = fileName;
        _source = source;
        _options = options;
        _cancellationToken = cancellationToken;
    }

    private enum Flow
    {
        Normal,
        Break,
        Continue,
        Return,
    }

    public async ValueTask<string> RunAsync(Block program)
    {
        await ExecStatementsAsync(program.Statements).ConfigureAwait(false);
        return _output.ToString();
    }

    private async ValueTask<Flow> ExecStatementsAsync(IReadOnlyList<Stmt> statements)
    {
        var mark = _scope.Count;
        try
        {
            foreach (var statement in statements)
            {
                var flow = await ExecAsync(statement).ConfigureAwait(false);
                if (flow != Flow.Normal)
                {
                    return flow;
                }
            }

            return Flow.Normal;
        }
        finally
        {
            _scope.RemoveRange(mark, _scope.Count - mark);
        }
    }

    private async ValueTask<Flow> ExecAsync(Stmt statement)
    {
        switch (statement)
        {
            case Text text:
                Write(text, text.Value);
                return Flow.Normal;
            case Output output:
                Write(output, Display(await EvalAsync(output.Value).ConfigureAwait(false)));
                return Flow.Normal;
            case ExprStmt e:
                await EvalAsync(e.Expr).ConfigureAwait(false);
                return Flow.Normal;
            case Let let:
                _scope.Add((let.Name, let.Value is null ? TemplateUnit.Value : await EvalAsync(let.Value).ConfigureAwait(false), let.IsConst));
                return Flow.Normal;
            case Assign assign:
                await AssignAsync(assign).ConfigureAwait(false);
                return Flow.Normal;
            case Block block:
                return await ExecStatementsAsync(block.Statements).ConfigureAwait(false);
            case If @if:
                return (await ExecIfAsync(@if).ConfigureAwait(false)).Flow;
            case For @for:
                return await ExecForAsync(@for).ConfigureAwait(false);
            case While @while:
                return await ExecWhileAsync(@while).ConfigureAwait(false);
            case Break or Continue when _loopDepth == 0:
                throw Error(statement, $"'{(statement is Break ? "break" : "continue")}' outside of a loop");
            case Break:
                return Flow.Break;
            case Continue:
                return Flow.Continue;
            case Return:
                return Flow.Return;
            default:
                throw Error(statement, "unsupported statement");
        }
    }

    private async ValueTask<(Flow Flow, object Value)> ExecIfAsync(If @if)
    {
        var condition = await EvalAsync(@if.Condition).ConfigureAwait(false);
        if (Plain(condition) is not bool taken)
        {
            throw Error(@if.Condition, $"'if' needs a bool condition, got {TypeName(condition)}");
        }

        var branch = taken ? @if.Then : @if.Else;
        return branch switch
        {
            null => (Flow.Normal, TemplateUnit.Value),
            If elseIf => await ExecIfAsync(elseIf).ConfigureAwait(false),
            Block block => await ExecBlockValueAsync(block).ConfigureAwait(false),
            _ => (await ExecAsync(branch).ConfigureAwait(false), TemplateUnit.Value),
        };
    }

    /// <summary>Runs a block; its value is that of a trailing expression statement (for <c>let x = if c { 1 } else { 2 }</c>).</summary>
    private async ValueTask<(Flow Flow, object Value)> ExecBlockValueAsync(Block block)
    {
        if (block.Statements.Count == 0 || block.Statements[^1] is not ExprStmt last)
        {
            return (await ExecStatementsAsync(block.Statements).ConfigureAwait(false), TemplateUnit.Value);
        }

        var mark = _scope.Count;
        try
        {
            for (var i = 0; i < block.Statements.Count - 1; i++)
            {
                var flow = await ExecAsync(block.Statements[i]).ConfigureAwait(false);
                if (flow != Flow.Normal)
                {
                    return (flow, TemplateUnit.Value);
                }
            }

            return (Flow.Normal, await EvalAsync(last.Expr).ConfigureAwait(false));
        }
        finally
        {
            _scope.RemoveRange(mark, _scope.Count - mark);
        }
    }

    private async ValueTask<Flow> ExecForAsync(For @for)
    {
        var source = await EvalAsync(@for.Source).ConfigureAwait(false);
        var items = Iterate(@for.Source, source);
        var mark = _scope.Count;
        _loopDepth++;
        try
        {
            long counter = 0;
            foreach (var item in items)
            {
                CountIteration(@for);
                _scope.RemoveRange(mark, _scope.Count - mark);
                _scope.Add((@for.Variable, item, false));
                if (@for.IndexVariable is { } indexName)
                {
                    _scope.Add((indexName, counter, false));
                }

                counter++;
                var flow = await ExecStatementsAsync(@for.Body.Statements).ConfigureAwait(false);
                if (flow == Flow.Break)
                {
                    break;
                }

                if (flow == Flow.Return)
                {
                    return flow;
                }
            }

            return Flow.Normal;
        }
        finally
        {
            _loopDepth--;
            _scope.RemoveRange(mark, _scope.Count - mark);
        }
    }

    private async ValueTask<Flow> ExecWhileAsync(While @while)
    {
        _loopDepth++;
        try
        {
            while (true)
            {
                if (@while.Condition is not null)
                {
                    var condition = await EvalAsync(@while.Condition).ConfigureAwait(false);
                    if (Plain(condition) is not bool go)
                    {
                        throw Error(@while.Condition, $"'while' needs a bool condition, got {TypeName(condition)}");
                    }

                    if (!go)
                    {
                        return Flow.Normal;
                    }
                }

                CountIteration(@while);
                var flow = await ExecStatementsAsync(@while.Body.Statements).ConfigureAwait(false);
                if (flow == Flow.Break)
                {
                    return Flow.Normal;
                }

                if (flow == Flow.Return)
                {
                    return flow;
                }
            }
        }
        finally
        {
            _loopDepth--;
        }
    }

    private void CountIteration(Node loop)
    {
        _cancellationToken.ThrowIfCancellationRequested();
        if (++_iterations > _options.MaxLoopIterations)
        {
            throw Error(loop, $"loop limit exceeded: more than {_options.MaxLoopIterations} loop iterations in one render");
        }
    }

    private IEnumerable<object> Iterate(Node at, object source)
    {
        switch (source)
        {
            case List<object> list:
                // A copy, so a body that pushes to the array it walks cannot loop forever.
                return list.ToArray();
            case RangeValue range:
                return RangeItems(range);
            case QueryValue query:
                return Enumerable.Range(0, query.Result.Rows.Count).Select(i => (object)query.Row(i));
            case RowValue row:
                return Enumerable.Range(0, row.Cells.Count).Select(i => (object)new CellValue(row, i));
            case string s:
                return s.EnumerateRunes().Select(r => (object)r.ToString()).ToArray();
            default:
                throw Error(at, $"cannot iterate over {TypeName(source)}");
        }

        static IEnumerable<object> RangeItems(RangeValue range)
        {
            for (var i = 0L; i < range.Count; i++)
            {
                yield return range.Start + i;
            }
        }
    }

    private void Write(Node at, string text)
    {
        if (_output.Length + (long)text.Length > _options.MaxOutputLength)
        {
            throw Error(at, $"output limit exceeded: a render may write at most {_options.MaxOutputLength} characters");
        }

        _output.Append(text);
    }

    private async ValueTask AssignAsync(Assign assign)
    {
        var value = await EvalAsync(assign.Value).ConfigureAwait(false);
        if (assign.Op != TokenKind.Assign)
        {
            var current = await EvalAsync(assign.Target).ConfigureAwait(false);
            var op = assign.Op switch
            {
                TokenKind.PlusAssign => TokenKind.Plus,
                TokenKind.MinusAssign => TokenKind.Minus,
                TokenKind.StarAssign => TokenKind.Star,
                TokenKind.SlashAssign => TokenKind.Slash,
                _ => TokenKind.Percent,
            };
            value = Arithmetic(assign, op, current, value);
        }

        switch (assign.Target)
        {
            case Variable variable:
            {
                var i = Find(variable.Name);
                if (i < 0)
                {
                    throw Error(variable, $"unknown variable '{variable.Name}'");
                }

                if (_scope[i].IsConst)
                {
                    throw Error(variable, $"cannot assign to constant '{variable.Name}'");
                }

                _scope[i] = (variable.Name, value, false);
                break;
            }

            case Index index:
            {
                var target = await EvalAsync(index.Target).ConfigureAwait(false);
                var key = Plain(await EvalAsync(index.Key).ConfigureAwait(false));
                switch (target, key)
                {
                    case (List<object> list, long i):
                        list[ArrayIndex(index, list.Count, i)] = value;
                        break;
                    case (SortedDictionary<string, object> map, string k):
                        map[k] = value;
                        break;
                    default:
                        throw Error(index, $"cannot assign to an index of {TypeName(target)} with {TypeName(key)}");
                }

                break;
            }

            case Property property:
            {
                var target = await EvalAsync(property.Target).ConfigureAwait(false);
                if (target is not SortedDictionary<string, object> map)
                {
                    throw Error(property, $"cannot set property '{property.Name}' on {TypeName(target)}");
                }

                map[property.Name] = value;
                break;
            }
        }
    }

    private int Find(string name)
    {
        for (var i = _scope.Count - 1; i >= 0; i--)
        {
            if (_scope[i].Name == name)
            {
                return i;
            }
        }

        return -1;
    }

    private async ValueTask<object> EvalAsync(Expr expr)
    {
        switch (expr)
        {
            case Literal literal:
                return literal.Value;
            case Variable variable:
            {
                var i = Find(variable.Name);
                return i >= 0 ? _scope[i].Value : throw Error(variable, $"unknown variable '{variable.Name}'");
            }

            case Interpolated interpolated:
            {
                var sb = new StringBuilder();
                foreach (var part in interpolated.Parts)
                {
                    sb.Append(part is Expr e ? Display(await EvalAsync(e).ConfigureAwait(false)) : (string)part);
                }

                return sb.ToString();
            }

            case ArrayLiteral array:
            {
                var list = new List<object>(array.Items.Count);
                foreach (var item in array.Items)
                {
                    list.Add(await EvalAsync(item).ConfigureAwait(false));
                }

                return list;
            }

            case MapLiteral mapLiteral:
            {
                var map = new SortedDictionary<string, object>(StringComparer.Ordinal);
                foreach (var (key, value) in mapLiteral.Entries)
                {
                    map[key] = await EvalAsync(value).ConfigureAwait(false);
                }

                return map;
            }

            case Unary unary:
                return UnaryOp(unary, await EvalAsync(unary.Operand).ConfigureAwait(false));
            case Binary { Op: TokenKind.AndAnd or TokenKind.OrOr } logical:
            {
                var left = RequireBool(logical.Left, await EvalAsync(logical.Left).ConfigureAwait(false));
                if (logical.Op == TokenKind.AndAnd ? !left : left)
                {
                    return left;
                }

                return RequireBool(logical.Right, await EvalAsync(logical.Right).ConfigureAwait(false));
            }

            case Binary { Op: TokenKind.QuestionQuestion } coalesce:
            {
                var left = await EvalAsync(coalesce.Left).ConfigureAwait(false);
                return Plain(left) is TemplateUnit ? await EvalAsync(coalesce.Right).ConfigureAwait(false) : left;
            }

            case Binary binary:
                return BinaryOp(binary, await EvalAsync(binary.Left).ConfigureAwait(false), await EvalAsync(binary.Right).ConfigureAwait(false));
            case Range range:
            {
                var start = Plain(await EvalAsync(range.Start).ConfigureAwait(false));
                var end = Plain(await EvalAsync(range.End).ConfigureAwait(false));
                if (start is not long s || end is not long e)
                {
                    throw Error(range, $"a range needs integer bounds, got {TypeName(start)} and {TypeName(end)}");
                }

                return new RangeValue(s, e, range.Inclusive);
            }

            case Index index:
                return IndexOp(index, await EvalAsync(index.Target).ConfigureAwait(false), await EvalAsync(index.Key).ConfigureAwait(false));
            case Property property:
            {
                var target = await EvalAsync(property.Target).ConfigureAwait(false);
                if (property.NullSafe && target is TemplateUnit)
                {
                    return TemplateUnit.Value;
                }

                return PropertyOp(property, target);
            }

            case MethodCall call:
            {
                var target = await EvalAsync(call.Target).ConfigureAwait(false);
                if (call.NullSafe && target is TemplateUnit)
                {
                    return TemplateUnit.Value;
                }

                var args = new List<object>(call.Args.Count + 1) { target };
                foreach (var arg in call.Args)
                {
                    args.Add(await EvalAsync(arg).ConfigureAwait(false));
                }

                return await CallAsync(call, call.Name, args).ConfigureAwait(false);
            }

            case Call call:
            {
                var args = new List<object>(call.Args.Count);
                foreach (var arg in call.Args)
                {
                    args.Add(await EvalAsync(arg).ConfigureAwait(false));
                }

                return await CallAsync(call, call.Name, args).ConfigureAwait(false);
            }

            case IfExpr ifExpr:
            {
                var (flow, value) = await ExecIfAsync(ifExpr.Statement).ConfigureAwait(false);
                if (flow != Flow.Normal)
                {
                    throw Error(ifExpr, "'break', 'continue' and 'return' cannot leave an 'if' used as a value");
                }

                return value;
            }

            default:
                throw Error(expr, "unsupported expression");
        }
    }

    private bool RequireBool(Expr at, object value) =>
        Plain(value) is bool b ? b : throw Error(at, $"expected a bool, got {TypeName(value)}");

    private object UnaryOp(Unary unary, object operand)
    {
        var value = Plain(operand);
        return (unary.Op, value) switch
        {
            (TokenKind.Minus, long l) => l == long.MinValue ? throw Error(unary, "integer overflow") : (object)(-l),
            (TokenKind.Minus, double d) => -d,
            (TokenKind.Plus, long or double) => value,
            (TokenKind.Bang, bool b) => !b,
            _ => throw Error(unary, $"operator '{OpText(unary.Op)}' does not apply to {TypeName(operand)}"),
        };
    }

    private object BinaryOp(Binary binary, object left, object right)
    {
        switch (binary.Op)
        {
            case TokenKind.In:
                // `x in xs` is `xs.contains(x)`.
                return TemplateFunctions.TryCall("contains", [right, left], _options, out var found, out _)
                    ? found
                    : throw Error(binary, $"operator 'in' does not apply to {TypeName(left)} and {TypeName(right)}");
            case TokenKind.EqEq:
                return ValuesEqual(Plain(left), Plain(right));
            case TokenKind.NotEq:
                return !ValuesEqual(Plain(left), Plain(right));
            case TokenKind.Less:
            case TokenKind.LessEq:
            case TokenKind.Greater:
            case TokenKind.GreaterEq:
            {
                var c = Compare(binary, Plain(left), Plain(right));
                return binary.Op switch
                {
                    TokenKind.Less => c < 0,
                    TokenKind.LessEq => c <= 0,
                    TokenKind.Greater => c > 0,
                    _ => c >= 0,
                };
            }

            default:
                return Arithmetic(binary, binary.Op, left, right);
        }
    }

    private object Arithmetic(Node at, TokenKind op, object leftValue, object rightValue)
    {
        var left = Plain(leftValue);
        var right = Plain(rightValue);
        try
        {
            switch (op, left, right)
            {
                case (TokenKind.Plus, string a, _):
                    return a + Display(right);
                case (TokenKind.Plus, _, string b) when left is not TemplateUnit:
                    return Display(left) + b;
                case (TokenKind.Plus, List<object> a, List<object> b):
                    return a.Concat(b).ToList();
                case (_, long a, long b):
                    return op switch
                    {
                        TokenKind.Plus => (object)checked(a + b),
                        TokenKind.Minus => checked(a - b),
                        TokenKind.Star => checked(a * b),
                        TokenKind.Slash => b == 0 ? throw Error(at, "division by zero") : a / b,
                        TokenKind.Percent => b == 0 ? throw Error(at, "division by zero") : a % b,
                        // A negative power of an integer is a fraction.
                        TokenKind.StarStar => b < 0 ? (object)Math.Pow(a, b) : IntPow(a, b),
                        _ => throw Error(at, $"unsupported operator '{OpText(op)}'"),
                    };
                case (_, long or double, long or double):
                {
                    var a = Convert.ToDouble(left, CultureInfo.InvariantCulture);
                    var b = Convert.ToDouble(right, CultureInfo.InvariantCulture);
                    return op switch
                    {
                        TokenKind.Plus => a + b,
                        TokenKind.Minus => a - b,
                        TokenKind.Star => a * b,
                        TokenKind.Slash => a / b,
                        TokenKind.Percent => a % b,
                        TokenKind.StarStar => Math.Pow(a, b),
                        _ => throw Error(at, $"unsupported operator '{OpText(op)}'"),
                    };
                }

                default:
                    throw Error(at, $"operator '{OpText(op)}' does not apply to {TypeName(leftValue)} and {TypeName(rightValue)}");
            }
        }
        catch (OverflowException)
        {
            throw Error(at, "integer overflow");
        }
    }

    private static long IntPow(long a, long b)
    {
        long result = 1;
        for (var i = 0L; i < b; i++)
        {
            result = checked(result * a);
            if (result == 0 || (result == 1 && a == 1))
            {
                break;
            }
        }

        return result;
    }

    internal static bool ValuesEqual(object a, object b) => (a, b) switch
    {
        (long x, long y) => x == y,
        (long or double, long or double) => Convert.ToDouble(a, CultureInfo.InvariantCulture) == Convert.ToDouble(b, CultureInfo.InvariantCulture),
        (string x, string y) => string.Equals(x, y, StringComparison.Ordinal),
        (bool x, bool y) => x == y,
        (TemplateUnit, TemplateUnit) => true,
        (List<object> x, List<object> y) => x.Count == y.Count && x.Zip(y).All(p => ValuesEqual(Plain(p.First), Plain(p.Second))),
        (SortedDictionary<string, object> x, SortedDictionary<string, object> y) =>
            x.Count == y.Count && x.All(kv => y.TryGetValue(kv.Key, out var v) && ValuesEqual(Plain(kv.Value), Plain(v))),
        _ => ReferenceEquals(a, b) || Equals(a, b),
    };

    private int Compare(Node at, object a, object b) => (a, b) switch
    {
        (long x, long y) => x.CompareTo(y),
        (long or double, long or double) => Convert.ToDouble(a, CultureInfo.InvariantCulture).CompareTo(Convert.ToDouble(b, CultureInfo.InvariantCulture)),
        (string x, string y) => string.CompareOrdinal(x, y),
        (bool x, bool y) => x.CompareTo(y),
        _ => throw Error(at, $"cannot compare {TypeName(a)} with {TypeName(b)}"),
    };

    private object IndexOp(Index index, object target, object keyValue)
    {
        var key = Plain(keyValue);
        switch (target, key)
        {
            case (List<object> list, long i):
                return list[ArrayIndex(index, list.Count, i)];
            case (SortedDictionary<string, object> map, string k):
                return map.TryGetValue(k, out var v) ? v : TemplateUnit.Value;
            case (string s, long i):
            {
                var runes = s.EnumerateRunes().ToArray();
                return runes[ArrayIndex(index, runes.Length, i)].ToString();
            }

            case (RowValue row, string column):
                return row.TryGet(column, out var cell) ? cell : throw Error(index, $"no such column: {column}");
            case (RowValue row, long i):
                return row.Cells[ArrayIndex(index, row.Cells.Count, i)];
            case (QueryValue query, long i):
                return query.Row(ArrayIndex(index, query.Result.Rows.Count, i));
            default:
                throw Error(index, $"cannot index {TypeName(target)} with {TypeName(key)}");
        }
    }

    private int ArrayIndex(Node at, int count, long i)
    {
        // Rhai counts negative indexes from the end.
        var actual = i < 0 ? count + i : i;
        if (actual < 0 || actual >= count)
        {
            throw Error(at, $"index {i} out of bounds (length {count})");
        }

        return (int)actual;
    }

    private object PropertyOp(Property property, object target)
    {
        switch (target)
        {
            case RowValue row:
                return row.TryGet(property.Name, out var cell) ? cell : throw Error(property, $"no such column: {property.Name}");
            case SortedDictionary<string, object> map:
                return map.TryGetValue(property.Name, out var v) ? v : TemplateUnit.Value;
            default:
                // Rhai exposes getters such as `s.len` as properties; so do the zero-argument helpers here.
                if (TemplateFunctions.TryCall(property.Name, [target], _options, out var result, out var failure))
                {
                    return result;
                }

                throw Error(property, failure ?? $"no property '{property.Name}' on {TypeName(target)}");
        }
    }

    private async ValueTask<object> CallAsync(Node at, string name, List<object> args)
    {
        if (name == "sql")
        {
            return await SqlAsync(at, args).ConfigureAwait(false);
        }

        if (name == "write")
        {
            foreach (var arg in args)
            {
                Write(at, Display(arg));
            }

            return TemplateUnit.Value;
        }

        if (TemplateFunctions.TryCall(name, args, _options, out var result, out var failure))
        {
            return result;
        }

        throw Error(at, failure ?? $"unknown function '{name}' ({args.Count} argument{(args.Count == 1 ? string.Empty : "s")}: {string.Join(", ", args.Select(TypeName))})");
    }

    private async ValueTask<object> SqlAsync(Node at, List<object> args)
    {
        TemplateQuery query = args switch
        {
            [string sql] => new TemplateQuery(sql),
            [string sql, List<object> positional] => new TemplateQuery(sql, positional.Select(ToSql).ToArray()),
            [string sql, SortedDictionary<string, object> named] => new TemplateQuery(sql, namedParameters: named.ToDictionary(kv => kv.Key, kv => ToSql(kv.Value), StringComparer.Ordinal)),
            _ => throw Error(at, "sql() takes a SQL string, optionally followed by an array of parameters or a map of named parameters"),
        };
        try
        {
            return new QueryValue(await _source.QueryAsync(query, _cancellationToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (_cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (TemplateException)
        {
            throw;
        }
        catch (Exception ex)
        {
            throw Error(at, $"sql(\"{query.Sql}\") failed: {ex.Message}", ex);
        }
    }

    private static string OpText(TokenKind op) => op switch
    {
        TokenKind.Plus => "+",
        TokenKind.Minus => "-",
        TokenKind.Star => "*",
        TokenKind.Slash => "/",
        TokenKind.Percent => "%",
        TokenKind.StarStar => "**",
        TokenKind.Bang => "!",
        _ => op.ToString(),
    };

    private TemplateException Error(Node at, string reason, Exception? inner = null) => new(_file, at.Line, at.Column, reason, inner);
}
