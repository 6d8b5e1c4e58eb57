namespace Corrosion.Host.Config;

/// <summary><c>api.pg.tls</c>.</summary>
internal sealed class PgTlsConfig
{
    public string CertFile { get; set; } = string.Empty;

    public string KeyFile { get; set; } = string.Empty;

    public string? CaFile { get; set; }

    public bool VerifyClient { get; set; }
}
