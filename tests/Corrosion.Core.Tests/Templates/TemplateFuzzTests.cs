using Corrosion.Templates;
using CsCheck;

namespace Corrosion.Core.Tests.Templates;

/// <summary>Templates are user input the agent's tooling runs: whatever the text, the engine fails only with <see cref="TemplateException"/>.</summary>
public sealed class TemplateFuzzTests
{
    private static readonly string[] Pieces =
    [
        "<%", "<%=", "%>", "{", "}", "(", ")", "[", "]", "#{", "`", "${", "\"", "'", "\\", "\n", " ", ";", ",", ":", ".", "..", "..=",
        "for", "in", "if", "else", "while", "loop", "break", "continue", "return", "let", "const", "x", "y", "sql", "write",
        "len", "to_json", "1", "0", "-", "+", "*", "/", "%", "**", "==", "!", "&&", "||", "??", "?.", "=", "+=", "/*", "*/", "//",
        "\"SELECT n\"", "r.n", "true", "()", "text",
    ];

    [Fact]
    public async Task Any_text_parses_and_renders_or_fails_with_a_positioned_template_exception()
    {
        var source = new FakeQuerySource();
        source.Set("SELECT n", ["n"], [1L], [2L]);
        var options = new TemplateRenderOptions { MaxLoopIterations = 10_000, MaxOutputLength = 100_000 };
        await Gen.Int[0, Pieces.Length - 1].Array[0, 40].Select(ix => string.Concat(ix.Select(i => Pieces[i]))).SampleAsync(async text =>
        {
            try
            {
                var template = Template.Parse(text, "f.rhai");
                await template.RenderAsync(source, options);
            }
            catch (TemplateException ex)
            {
                ex.Message.Should().StartWith("f.rhai:");
                ex.Line.Should().BeGreaterThan(0);
                ex.Column.Should().BeGreaterThan(0);
            }
        }, iter: 20_000, threads: 1);
    }
}
