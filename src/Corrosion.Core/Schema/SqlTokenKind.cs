namespace Corrosion.Schema;

/// <summary>The lexical class of a <see cref="SqlToken"/>.</summary>
internal enum SqlTokenKind
{
    /// <summary>A bare word: a keyword or an unquoted identifier.</summary>
    Word,

    /// <summary>An identifier quoted with <c>"..."</c>, <c>[...]</c> or <c>`...`</c>.</summary>
    QuotedIdentifier,

    /// <summary>A string literal <c>'...'</c>.</summary>
    String,

    /// <summary>A blob literal <c>x'...'</c>.</summary>
    Blob,

    Number,

    /// <summary>A bound parameter: <c>?</c>, <c>?1</c>, <c>:name</c>, <c>@name</c>, <c>$name</c>.</summary>
    Parameter,

    /// <summary>Any other character: operators, parentheses, commas, semicolons.</summary>
    Punctuation,
}
