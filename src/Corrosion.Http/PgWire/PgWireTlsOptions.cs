namespace Corrosion.Http.PgWire;

/// <summary><c>api.pg.tls</c>: the server certificate and, optionally, client certificate verification.</summary>
public sealed class PgWireTlsOptions
{
    /// <summary><c>cert_file</c>: PEM certificate (chain) of the server.</summary>
    public string CertFile { get; set; } = string.Empty;

    /// <summary><c>key_file</c>: PEM private key of the server certificate.</summary>
    public string KeyFile { get; set; } = string.Empty;

    /// <summary><c>ca_file</c>: PEM CA certificate(s) that client certificates must chain to.</summary>
    public string? CaFile { get; set; }

    /// <summary><c>verify_client</c>: require a client certificate signed by <see cref="CaFile"/>. Default false.</summary>
    public bool VerifyClient { get; set; }
}
