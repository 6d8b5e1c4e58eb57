namespace Corrosion.Templates;

/// <summary>Limits and context for one render. The limits keep a bad template from hanging or flooding the process.</summary>
public sealed class TemplateRenderOptions
{
    /// <summary>Loop iterations (all <c>for</c>/<c>while</c>/<c>loop</c> bodies together) allowed in one render.</summary>
    public long MaxLoopIterations { get; init; } = 1_000_000;

    /// <summary>Characters of output allowed in one render.</summary>
    public int MaxOutputLength { get; init; } = 64 * 1024 * 1024;

    /// <summary>What <c>hostname()</c> returns: by default the full host name (<c>gethostname</c>), as the original.</summary>
    public string HostName { get; init; } = System.Net.Dns.GetHostName();
}
