namespace Corrosion.Gossip.Transport;

/// <summary>
/// The peer-transport part of the <c>[gossip]</c> config section. Defaults equal the documented TOML defaults.
/// Validated at start by <see cref="GossipTransportOptionsValidator"/>.
/// </summary>
public sealed class GossipTransportOptions
{
    /// <summary>The smallest <c>gossip.max_mtu</c> accepted (QUIC's minimum datagram size).</summary>
    public const int MinMtu = 1200;

    /// <summary>The largest <c>gossip.max_mtu</c> accepted (largest UDP payload over IPv4).</summary>
    public const int MaxUdpPayload = 65507;

    /// <summary><c>gossip.addr</c> (alias <c>bind_addr</c>): the <c>ip:port</c> to bind, e.g. <c>[::]:8787</c>. Required.</summary>
    public string Addr { get; set; } = string.Empty;

    /// <summary><c>gossip.external_addr</c>: the address advertised to peers when it differs from <see cref="Addr"/>.</summary>
    public string? ExternalAddr { get; set; }

    /// <summary><c>gossip.plaintext</c>: no encryption or peer authentication. Wins over <see cref="Tls"/> when both are set.</summary>
    public bool Plaintext { get; set; }

    /// <summary><c>[gossip.tls]</c>: required unless <see cref="Plaintext"/> is true.</summary>
    public GossipTlsOptions? Tls { get; set; }

    /// <summary>
    /// <c>gossip.max_mtu</c>: upper bound on one datagram on the wire (UDP payload), at least 1200.
    /// When unset, 1200 is used (the size QUIC starts with and that every IPv6 path carries).
    /// </summary>
    public int? MaxMtu { get; set; }

    /// <summary><c>gossip.idle_timeout_secs</c>: a stream with no bytes in either direction for this long is closed.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary><c>gossip.disable_gso</c>: accepted; only meaningful to QUIC (the TCP+UDP transport never uses GSO).</summary>
    public bool DisableGso { get; set; }

    /// <summary>The MTU in force: <see cref="MaxMtu"/> or <see cref="MinMtu"/>.</summary>
    public int EffectiveMtu => MaxMtu ?? MinMtu;
}
