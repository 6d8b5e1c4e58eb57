namespace Corrosion.Host.Config;

/// <summary><c>log.format</c>.</summary>
public enum LogFormat
{
    Plaintext,
    Json,
}
