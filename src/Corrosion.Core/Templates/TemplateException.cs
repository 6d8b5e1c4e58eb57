namespace Corrosion.Templates;

/// <summary>
/// A template could not be compiled or rendered. <see cref="Exception.Message"/> reads
/// <c>file:line:column: reason</c> (for example <c>todos.rhai:3:14: unknown variable 'todo'</c>) so it can be shown
/// as is; the parts are also available separately.
/// </summary>
public sealed class TemplateException : Exception
{
    /// <summary>
    /// Creates the exception; the message reads <c>fileName:line:column: reason</c>, or <c>fileName: reason</c> when
    /// <paramref name="line"/> is 0 (an error with no place in the source, such as a template file that cannot be read
    /// or an output file that cannot be written).
    /// </summary>
    /// <param name="fileName">The template's name (usually its path).</param>
    /// <param name="line">1-based line of the offending token.</param>
    /// <param name="column">1-based column of the offending token.</param>
    /// <param name="reason">What is wrong, without the position.</param>
    /// <param name="innerException">The cause, if any.</param>
    public TemplateException(string fileName, int line, int column, string reason, Exception? innerException = null)
        : base(line > 0 ? $"{fileName}:{line}:{column}: {reason}" : $"{fileName}: {reason}", innerException)
    {
        FileName = fileName;
        Line = line;
        Column = column;
        Reason = reason;
    }

    /// <summary>The template's name as given to <see cref="Template.Parse"/> (usually its path).</summary>
    public string FileName { get; }

    /// <summary>1-based line of the offending token; 0 when the error has no place in the source.</summary>
    public int Line { get; }

    /// <summary>1-based column of the offending token.</summary>
    public int Column { get; }

    /// <summary>The message without the position prefix.</summary>
    public string Reason { get; }
}
