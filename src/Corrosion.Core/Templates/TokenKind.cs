namespace Corrosion.Templates;

/// <summary>What a <see cref="Token"/> is. Template structure (text, output tags) rides in the same stream as code.</summary>
internal enum TokenKind
{
    EndOfFile,

    /// <summary>Literal template text to copy to the output.</summary>
    Text,

    /// <summary><c>&lt;%=</c>: an expression whose string form is output follows, up to <see cref="OutputClose"/>.</summary>
    OutputOpen,
    OutputClose,

    /// <summary>The <c>%&gt;</c> of a <c>&lt;% %&gt;</c> tag; ends a statement like <c>;</c>.</summary>
    CodeClose,

    Identifier,
    Integer,
    Float,
    String,

    /// <summary>A backtick string with <c>${expr}</c> parts.</summary>
    InterpolatedString,

    Let,
    Const,
    If,
    Else,
    For,
    In,
    While,
    Loop,
    Break,
    Continue,
    Return,
    True,
    False,

    LParen,
    RParen,
    LBracket,
    RBracket,
    LBrace,
    RBrace,

    /// <summary><c>#{</c>: an object map literal.</summary>
    MapOpen,
    Comma,
    Semicolon,
    Colon,
    Dot,
    QuestionDot,
    DotDot,
    DotDotEq,
    Plus,
    Minus,
    Star,
    StarStar,
    Slash,
    Percent,
    Bang,
    Assign,
    PlusAssign,
    MinusAssign,
    StarAssign,
    SlashAssign,
    PercentAssign,
    EqEq,
    NotEq,
    Less,
    LessEq,
    Greater,
    GreaterEq,
    AndAnd,
    OrOr,
    QuestionQuestion,
}
