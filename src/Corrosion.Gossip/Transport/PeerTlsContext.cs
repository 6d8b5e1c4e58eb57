using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Corrosion.Gossip.Transport;

/// <summary>
/// The loaded <c>[gossip.tls]</c> material and the TLS policy built from it, shared by the TCP and QUIC transports:
/// <list type="bullet">
/// <item>Connecting: the peer's server certificate must chain to <c>ca_file</c> (or the system trust store without it)
/// and name the IP address connected to, unless <c>insecure = true</c>.</item>
/// <item>Accepting with <c>[gossip.tls.client]</c>: the peer must present a client certificate (client-auth EKU) that chains to
/// <c>ca_file</c>, whatever <c>insecure</c> says; without a client section no client certificate is asked for.</item>
/// </list>
/// </summary>
internal sealed class PeerTlsContext : IDisposable
{
    private const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    private readonly X509Certificate2 _serverCertificate;
    private readonly X509Certificate2Collection _serverChain;
    private readonly X509Certificate2? _clientCertificate;
    private readonly X509Certificate2Collection _clientChain;
    private readonly X509Certificate2Collection? _caCertificates;
    private readonly SslStreamCertificateContext _serverContext;
    private readonly SslStreamCertificateContext? _clientContext;

    private PeerTlsContext(
        X509Certificate2 serverCertificate,
        X509Certificate2Collection serverChain,
        X509Certificate2? clientCertificate,
        X509Certificate2Collection clientChain,
        X509Certificate2Collection? caCertificates,
        bool insecure)
    {
        _serverCertificate = serverCertificate;
        _serverChain = serverChain;
        _clientCertificate = clientCertificate;
        _clientChain = clientChain;
        _caCertificates = caCertificates;
        Insecure = insecure;
        _serverContext = SslStreamCertificateContext.Create(serverCertificate, serverChain, offline: true);
        _clientContext = clientCertificate is null ? null : SslStreamCertificateContext.Create(clientCertificate, clientChain, offline: true);
    }

    public bool Insecure { get; }

    /// <summary>True when <c>[gossip.tls.client]</c> is configured: client certificates are presented and required.</summary>
    public bool MutualTls => _clientCertificate is not null;

    /// <summary>Loads the files named by the options; errors name the config key.</summary>
    public static PeerTlsContext Load(GossipTlsOptions tls)
    {
        var (server, serverChain) = LoadPair("gossip.tls", tls.CertFile, tls.KeyFile);
        X509Certificate2? client = null;
        var clientChain = new X509Certificate2Collection();
        if (tls.Client is { } c)
        {
            (client, clientChain) = LoadPair("gossip.tls.client", c.CertFile, c.KeyFile);
        }

        X509Certificate2Collection? ca = null;
        if (tls.CaFile is not null)
        {
            ca = new X509Certificate2Collection();
            try
            {
                ca.ImportFromPemFile(tls.CaFile);
            }
            catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
            {
                throw new InvalidOperationException($"gossip.tls.ca_file: cannot read CA certificates from {tls.CaFile}: {e.Message}", e);
            }

            if (ca.Count == 0)
            {
                throw new InvalidOperationException($"gossip.tls.ca_file: no PEM certificate in {tls.CaFile}");
            }
        }

        return new PeerTlsContext(server, serverChain, client, clientChain, ca, tls.Insecure);
    }

    /// <param name="applicationProtocols">The ALPN protocols this server accepts, or <see langword="null"/> for none.</param>
    /// <param name="check">When given, receives why this node refused the peer's certificate, if it does.</param>
    public SslServerAuthenticationOptions CreateServerOptions(List<SslApplicationProtocol>? applicationProtocols = null, CertificateCheck? check = null)
    {
        var options = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = _serverContext,
            ClientCertificateRequired = MutualTls,

            // No session resumption: peer connections are long-lived or infrequent; a full handshake each time costs
            // little. This does not stop TLS 1.3 session tickets: OpenSSL still sends its two (stateful, never honoured)
            // NewSessionTicket messages after each handshake, which is why the TCP transport serializes the TLS work of
            // a connection's two directions (SerializedTlsStream; OpenSSL processing a ticket in the read loop while the
            // write loop sent or half-closed failed one side with "internal error" or "shutdown while in init").
            AllowTlsResume = false,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            ApplicationProtocols = applicationProtocols,
            RemoteCertificateValidationCallback = (_, certificate, chain, errors) => Record(check, "client", ValidateClientCertificate(certificate, errors), certificate, chain, errors),
        };
        if (MutualTls && _caCertificates is not null)
        {
            options.CertificateChainPolicy = CreateChainPolicy(ClientAuthOid);
        }

        return options;
    }

    /// <param name="destination">The peer's address; its IP is the target host the server certificate is checked against.</param>
    /// <param name="applicationProtocols">The ALPN protocols to offer, or <see langword="null"/> for none.</param>
    /// <param name="check">When given, receives why this node refused the peer's certificate, if it does.</param>
    public SslClientAuthenticationOptions CreateClientOptions(IPEndPoint destination, List<SslApplicationProtocol>? applicationProtocols = null, CertificateCheck? check = null)
    {
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = destination.Address.ToString(),
            AllowTlsResume = false, // see CreateServerOptions
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            ApplicationProtocols = applicationProtocols,
            RemoteCertificateValidationCallback = (_, certificate, chain, errors) => Record(check, "server", ValidateServerCertificate(certificate, errors), certificate, chain, errors),
        };
        if (_clientContext is not null)
        {
            options.ClientCertificateContext = _clientContext;
        }

        if (_caCertificates is not null && !Insecure)
        {
            options.CertificateChainPolicy = CreateChainPolicy(ServerAuthOid);
        }

        return options;
    }

    public void Dispose()
    {
        _serverCertificate.Dispose();
        _clientCertificate?.Dispose();
        DisposeAll(_serverChain);
        DisposeAll(_clientChain);
        if (_caCertificates is not null)
        {
            DisposeAll(_caCertificates);
        }
    }

    private bool ValidateServerCertificate(X509Certificate? certificate, SslPolicyErrors errors) =>
        Insecure ? certificate is not null : errors == SslPolicyErrors.None;

    private bool ValidateClientCertificate(X509Certificate? certificate, SslPolicyErrors errors) =>
        !MutualTls || (certificate is not null && errors == SslPolicyErrors.None);

    private bool Record(CertificateCheck? check, string role, bool accepted, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (!accepted && check is not null)
        {
            check.Rejection = DescribeRejection(role, certificate, chain, errors);
        }

        return accepted;
    }

    /// <summary>Why a peer's certificate was refused, in the operator's terms (which file it must chain to, what it lacks).</summary>
    private string DescribeRejection(string role, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null)
        {
            return role == "client"
                ? "the peer presented no client certificate ([gossip.tls.client] is set here, so one is required)"
                : "the peer presented no server certificate";
        }

        var reasons = new List<string>();
        if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            reasons.Add("it does not name the address connected to (its subject alternative names must hold the peer's IP)");
        }

        if ((errors & SslPolicyErrors.RemoteCertificateChainErrors) != 0)
        {
            var statuses = chain is null ? [] : chain.ChainStatus.Select(s => s.Status.ToString()).Distinct().ToList();
            var trust = _caCertificates is null ? "the system trust store (gossip.tls.ca_file is not set)" : "gossip.tls.ca_file";
            reasons.Add(statuses.Count == 0
                ? $"it does not verify against {trust}"
                : $"it does not verify against {trust}: {string.Join(", ", statuses)}");
        }

        if (reasons.Count == 0)
        {
            reasons.Add(errors.ToString());
        }

        return $"refused its {role} certificate (subject '{certificate.Subject}', issuer '{certificate.Issuer}', valid {certificate.GetEffectiveDateString()} to {certificate.GetExpirationDateString()}): {string.Join("; ", reasons)}";
    }

    private X509ChainPolicy CreateChainPolicy(string applicationPolicyOid)
    {
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
        };
        policy.CustomTrustStore.AddRange(_caCertificates!);
        policy.ApplicationPolicy.Add(new Oid(applicationPolicyOid));
        return policy;
    }

    private static (X509Certificate2 Certificate, X509Certificate2Collection Chain) LoadPair(string section, string certFile, string keyFile)
    {
        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPemFile(certFile, keyFile);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new InvalidOperationException($"{section}.cert_file/{section}.key_file: cannot load {certFile} with key {keyFile}: {e.Message}", e);
        }

        var all = new X509Certificate2Collection();
        all.ImportFromPemFile(certFile);
        var chain = new X509Certificate2Collection();
        for (var i = 1; i < all.Count; i++)
        {
            chain.Add(all[i]);
        }

        all[0].Dispose();
        return (certificate, chain);
    }

    private static void DisposeAll(X509Certificate2Collection certificates)
    {
        foreach (var certificate in certificates)
        {
            certificate.Dispose();
        }
    }
}
