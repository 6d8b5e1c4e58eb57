namespace Corrosion.Templates;

/// <summary>The template's syntax tree. Every node keeps the position of its first token for error messages.</summary>
internal static class Syntax
{
    internal abstract record Node(int Line, int Column);

    // Expressions.
    internal abstract record Expr(int Line, int Column) : Node(Line, Column);

    internal sealed record Literal(int Line, int Column, object Value) : Expr(Line, Column);

    /// <summary>Parts are <see cref="string"/> or <see cref="Expr"/>.</summary>
    internal sealed record Interpolated(int Line, int Column, IReadOnlyList<object> Parts) : Expr(Line, Column);

    internal sealed record Variable(int Line, int Column, string Name) : Expr(Line, Column);

    internal sealed record ArrayLiteral(int Line, int Column, IReadOnlyList<Expr> Items) : Expr(Line, Column);

    internal sealed record MapLiteral(int Line, int Column, IReadOnlyList<KeyValuePair<string, Expr>> Entries) : Expr(Line, Column);

    internal sealed record Unary(int Line, int Column, TokenKind Op, Expr Operand) : Expr(Line, Column);

    internal sealed record Binary(int Line, int Column, TokenKind Op, Expr Left, Expr Right) : Expr(Line, Column);

    internal sealed record Range(int Line, int Column, Expr Start, Expr End, bool Inclusive) : Expr(Line, Column);

    internal sealed record Index(int Line, int Column, Expr Target, Expr Key) : Expr(Line, Column);

    internal sealed record Property(int Line, int Column, Expr Target, string Name, bool NullSafe) : Expr(Line, Column);

    internal sealed record MethodCall(int Line, int Column, Expr Target, string Name, IReadOnlyList<Expr> Args, bool NullSafe) : Expr(Line, Column);

    internal sealed record Call(int Line, int Column, string Name, IReadOnlyList<Expr> Args) : Expr(Line, Column);

    /// <summary><c>if</c> used as a value: the value of the taken branch's trailing expression, or unit.</summary>
    internal sealed record IfExpr(int Line, int Column, If Statement) : Expr(Line, Column);

    // Statements.
    internal abstract record Stmt(int Line, int Column) : Node(Line, Column);

    internal sealed record ExprStmt(int Line, int Column, Expr Expr) : Stmt(Line, Column);

    internal sealed record Let(int Line, int Column, string Name, Expr? Value, bool IsConst) : Stmt(Line, Column);

    internal sealed record Assign(int Line, int Column, Expr Target, TokenKind Op, Expr Value) : Stmt(Line, Column);

    internal sealed record Block(int Line, int Column, IReadOnlyList<Stmt> Statements) : Stmt(Line, Column);

    /// <summary><c>Else</c> is a <see cref="Block"/> or another <see cref="If"/> (<c>else if</c>).</summary>
    internal sealed record If(int Line, int Column, Expr Condition, Block Then, Stmt? Else) : Stmt(Line, Column);

    internal sealed record For(int Line, int Column, string Variable, string? IndexVariable, Expr Source, Block Body) : Stmt(Line, Column);

    internal sealed record While(int Line, int Column, Expr? Condition, Block Body) : Stmt(Line, Column);

    internal sealed record Break(int Line, int Column) : Stmt(Line, Column);

    internal sealed record Continue(int Line, int Column) : Stmt(Line, Column);

    internal sealed record Return(int Line, int Column) : Stmt(Line, Column);

    /// <summary>Literal template text.</summary>
    internal sealed record Text(int Line, int Column, string Value) : Stmt(Line, Column);

    /// <summary><c>&lt;%= expr %&gt;</c>.</summary>
    internal sealed record Output(int Line, int Column, Expr Value) : Stmt(Line, Column);
}
