using System.Net;

namespace Corrosion.Host.Config;

/// <summary>One <c>api.pg</c> listener.</summary>
internal sealed class PgConfig
{
    /// <summary><c>addr</c> (alias <c>bind_addr</c>, required).</summary>
    public IPEndPoint Addr { get; set; } = new(IPAddress.Loopback, 0);

    /// <summary><c>readonly</c>: default false.</summary>
    public bool Readonly { get; set; }

    /// <summary><c>tls</c>; null when absent.</summary>
    public PgTlsConfig? Tls { get; set; }
}
