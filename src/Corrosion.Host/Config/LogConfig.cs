namespace Corrosion.Host.Config;

/// <summary><c>[log]</c>.</summary>
internal sealed class LogConfig
{
    /// <summary><c>log.format</c>: <c>plaintext</c> (default) or <c>json</c>.</summary>
    public LogFormat Format { get; set; } = LogFormat.Plaintext;

    /// <summary><c>log.colors</c>: default true.</summary>
    public bool Colors { get; set; } = true;
}
