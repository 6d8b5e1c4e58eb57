namespace Corrosion.Templates;

/// <summary>
/// A compiled template: text with <c>&lt;% statements %&gt;</c> and <c>&lt;%= expression %&gt;</c> tags, in the Rhai
/// subset and with the helpers Corrosion's templates use (<c>sql(...)</c>, <c>to_json</c>, <c>to_csv</c>,
/// <c>is_null</c>, <c>hostname()</c>, ...). Immutable and reusable; every render starts from fresh variables.
/// </summary>
public sealed class Template
{
    private readonly Syntax.Block _program;

    private Template(string fileName, Syntax.Block program)
    {
        FileName = fileName;
        _program = program;
    }

    /// <summary>The name errors use (usually the template's path).</summary>
    public string FileName { get; }

    /// <summary>Compiles <paramref name="source"/>. Throws <see cref="TemplateException"/> with the position of a syntax error.</summary>
    public static Template Parse(string source, string fileName)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(fileName);
        return new Template(fileName, TemplateParser.Parse(source, fileName));
    }

    /// <summary>
    /// Renders the template, asking <paramref name="source"/> for each <c>sql(...)</c> call's rows. Throws
    /// <see cref="TemplateException"/> on a runtime error (with its position), including a failed query or a limit
    /// of <paramref name="options"/> being exceeded.
    /// </summary>
    public async ValueTask<string> RenderAsync(ITemplateQuerySource source, TemplateRenderOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        var interpreter = new TemplateInterpreter(FileName, source, options ?? new TemplateRenderOptions(), cancellationToken);
        return await interpreter.RunAsync(_program).ConfigureAwait(false);
    }
}
