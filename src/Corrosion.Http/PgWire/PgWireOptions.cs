namespace Corrosion.Http.PgWire;

/// <summary>One PostgreSQL wire protocol listener (one <c>[api] pg</c> entry of the config).</summary>
public sealed class PgWireOptions
{
    /// <summary><c>api.pg.addr</c> (alias <c>bind_addr</c>): <c>ip:port</c> to listen on; port 0 picks a free port.</summary>
    public string Address { get; set; } = string.Empty;

    /// <summary><c>api.pg.readonly</c>: refuse every statement that writes (SQLSTATE 25006). Default false.</summary>
    public bool ReadOnly { get; set; }

    /// <summary><c>api.pg.tls</c>: when set, SSLRequest is accepted and TLS is negotiated; null answers 'N'.</summary>
    public PgWireTlsOptions? Tls { get; set; }
}
