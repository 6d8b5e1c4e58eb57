using System.Net;

namespace Corrosion.Host.Config;

/// <summary><c>[gossip]</c>: the peer-to-peer side, mapped onto the cluster layer's options by <c>ConfigMapper</c>.</summary>
internal sealed class GossipConfig
{
    public const int DefaultIdleTimeoutSecs = 30;
    public const int MinMtu = 1200;

    /// <summary><c>gossip.addr</c> (alias <c>bind_addr</c>, required): where peers reach us.</summary>
    public IPEndPoint Addr { get; set; } = new(IPAddress.IPv6Any, 0);

    /// <summary><c>gossip.external_addr</c>: the address advertised to peers, when it differs from <see cref="Addr"/>.</summary>
    public IPEndPoint? ExternalAddr { get; set; }

    /// <summary><c>gossip.client_addr</c>: local address for outgoing peer connections. Default <c>[::]:0</c>.</summary>
    public IPEndPoint ClientAddr { get; set; } = new(IPAddress.IPv6Any, 0);

    /// <summary><c>gossip.bootstrap</c>: <c>host:port</c> (names allowed, optionally <c>@dns-server:port</c>).</summary>
    public List<string> Bootstrap { get; set; } = [];

    /// <summary><c>gossip.plaintext</c>: no encryption between peers. Default false.</summary>
    public bool Plaintext { get; set; }

    /// <summary><c>gossip.max_mtu</c>: upper bound on the datagram size; at least 1200 when set.</summary>
    public int? MaxMtu { get; set; }

    /// <summary><c>gossip.idle_timeout_secs</c>: default 30.</summary>
    public int IdleTimeoutSecs { get; set; } = DefaultIdleTimeoutSecs;

    /// <summary><c>gossip.disable_gso</c>: default false.</summary>
    public bool DisableGso { get; set; }

    /// <summary><c>gossip.member_id</c>: optional numeric member id.</summary>
    public long? MemberId { get; set; }

    /// <summary><c>[gossip.tls]</c>; null when absent.</summary>
    public GossipTlsConfig? Tls { get; set; }

    /// <summary><c>gossip.compression</c>; null when absent.</summary>
    public CompressionConfig? Compression { get; set; }

    /// <summary><c>gossip.broadcast</c>: <c>"gossip"</c> (default) or <c>{ plumtree = { ... } }</c>.</summary>
    public BroadcastConfig Broadcast { get; set; } = new();
}
