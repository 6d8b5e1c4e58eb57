namespace Corrosion.Templates;

/// <summary>One <c>src:dest[:cmd]</c> job for a <see cref="TemplateRenderer"/>.</summary>
public sealed class TemplateRendererOptions
{
    /// <summary>The template file. Re-read before each render, so edits apply at the next render.</summary>
    public required string SourcePath { get; init; }

    /// <summary>The output file, replaced atomically on each successful render.</summary>
    public required string DestinationPath { get; init; }

    /// <summary>A command line (split like a shell does, without expansion) run after each successful render, or null.</summary>
    public string? Command { get; init; }

    /// <summary>Render once and return instead of watching.</summary>
    public bool Once { get; init; }

    /// <summary>How long the queries must stay quiet after a change before re-rendering, so a burst renders once.</summary>
    public TimeSpan Debounce { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest a change waits for a render while changes keep coming.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How often to check the template file for edits while watching (zero or infinite: never).</summary>
    public TimeSpan SourcePollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Limits for each render.</summary>
    public TemplateRenderOptions Render { get; init; } = new();
}
