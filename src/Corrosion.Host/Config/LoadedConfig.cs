namespace Corrosion.Host.Config;

/// <summary>A config and where it came from.</summary>
/// <param name="Config">The validated config, overrides applied.</param>
/// <param name="Source">The file read, or <see cref="ConfigLoader.EmbeddedSource"/>.</param>
/// <param name="IsEmbeddedDefault">True when no config file existed and the built-in default serves.</param>
internal sealed record LoadedConfig(CorrosionConfig Config, string Source, bool IsEmbeddedDefault);
