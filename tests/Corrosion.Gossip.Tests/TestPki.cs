using System.Net;
using Corrosion.Gossip.Tls;
using Corrosion.Gossip.Transport;
using Corrosion.TestKit;

namespace Corrosion.Gossip.Tests;

/// <summary>Two independent CAs, each with server certificates for 127.0.0.1 and ::1 and a client certificate.</summary>
public sealed class TestPki : IDisposable
{
    private readonly TempDirectory _directory = new("corrosion-pki");

    public TestPki()
    {
        var authority = new CertificateAuthority();
        Cluster = Issue(authority, "cluster");
        Other = Issue(authority, "other");
    }

    public Issued Cluster { get; }

    public Issued Other { get; }

    public void Dispose() => _directory.Dispose();

    private Issued Issue(CertificateAuthority authority, string name)
    {
        var ca = authority.GenerateCa(_directory.Combine(name, "ca"), $"{name} CA");
        var v4 = authority.GenerateServer(_directory.Combine(name, "v4"), IPAddress.Loopback, ca.CertificatePath, ca.KeyPath);
        var v6 = authority.GenerateServer(_directory.Combine(name, "v6"), IPAddress.IPv6Loopback, ca.CertificatePath, ca.KeyPath, "localhost");
        var client = authority.GenerateClient(_directory.Combine(name, "client"), ca.CertificatePath, ca.KeyPath);
        return new Issued(ca, v4, v6, client);
    }

    public sealed record Issued(CertificateFiles Ca, CertificateFiles ServerV4, CertificateFiles ServerV6, CertificateFiles Client)
    {
        /// <summary>TLS options for a node listening on 127.0.0.1 that trusts this CA.</summary>
        public GossipTlsOptions Tls(bool mutual = false, string? caFile = null, bool insecure = false, bool ipv6 = false) => new()
        {
            CertFile = ipv6 ? ServerV6.CertificatePath : ServerV4.CertificatePath,
            KeyFile = ipv6 ? ServerV6.KeyPath : ServerV4.KeyPath,
            CaFile = insecure && caFile is null ? null : caFile ?? Ca.CertificatePath,
            Insecure = insecure,
            Client = mutual ? new GossipTlsClientOptions { CertFile = Client.CertificatePath, KeyFile = Client.KeyPath } : null,
        };
    }
}
