namespace Corrosion.Host.Config;

/// <summary><c>log.format</c>.</summary>
internal enum LogFormat
{
    Plaintext,
    Json,
}
