namespace Corrosion.Templates;

/// <summary>Rhai's unit value <c>()</c>: what statements, missing map keys and SQL NULL parameters are.</summary>
internal sealed class TemplateUnit
{
    public static readonly TemplateUnit Value = new();

    private TemplateUnit()
    {
    }

    public override string ToString() => string.Empty;
}
