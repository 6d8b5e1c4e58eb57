using System.Net;

namespace Corrosion.Host.Config;

/// <summary><c>[api]</c>: the client HTTP API (and the optional PostgreSQL listener).</summary>
internal sealed class ApiConfig
{
    /// <summary><c>api.addr</c> (alias <c>bind_addr</c>, required): one address or a list.</summary>
    public List<IPEndPoint> Addrs { get; set; } = [];

    /// <summary><c>api.endpoint_name</c>: optional.</summary>
    public string? EndpointName { get; set; }

    /// <summary><c>api.authz.bearer-token</c> (aliases <c>authorization</c>, <c>bearer</c>): required on every request when set.</summary>
    public string? BearerToken { get; set; }

    /// <summary><c>api.pg</c>: one table or a list of them.</summary>
    public List<PgConfig> Pg { get; set; } = [];
}
