using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace Corrosion.Http.PgWire;

/// <summary>
/// The listener's TLS material, loaded once at start: the server certificate and, with <c>verify_client</c>, the CA
/// certificates a client certificate must chain to.
/// </summary>
internal sealed class PgWireTls : IDisposable
{
    private readonly X509Certificate2 _certificate;
    private readonly X509Certificate2Collection? _clientRoots;

    private PgWireTls(X509Certificate2 certificate, X509Certificate2Collection? clientRoots, bool verifyClient)
    {
        _certificate = certificate;
        _clientRoots = clientRoots;
        Required = verifyClient;
    }

    /// <summary>True with <c>verify_client</c>: a connection that does not negotiate TLS is refused.</summary>
    public bool Required { get; }

    public static PgWireTls Load(PgWireTlsOptions options)
    {
        var certificate = X509Certificate2.CreateFromPemFile(options.CertFile, options.KeyFile);
        X509Certificate2Collection? roots = null;
        if (options.VerifyClient && options.CaFile is { Length: > 0 } ca)
        {
            roots = [];
            roots.ImportFromPemFile(ca);
        }

        return new PgWireTls(certificate, roots, options.VerifyClient);
    }

    /// <summary>Runs the server handshake; null (logged) when it fails.</summary>
    public async Task<SslStream?> AuthenticateAsync(Stream stream, int connectionId, ILogger logger, CancellationToken cancellationToken)
    {
        var ssl = new SslStream(stream, leaveInnerStreamOpen: true);
        var options = new SslServerAuthenticationOptions
        {
            ServerCertificate = _certificate,
            ClientCertificateRequired = Required,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = ValidateClient,
        };
        try
        {
            await ssl.AuthenticateAsServerAsync(options, cancellationToken).ConfigureAwait(false);
            return ssl;
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException)
        {
            Log.PgTlsHandshakeFailed(logger, connectionId, ex.Message);
            await ssl.DisposeAsync().ConfigureAwait(false);
            return null;
        }
    }

    private bool ValidateClient(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (!Required)
        {
            return true;
        }

        if (certificate is null || _clientRoots is null)
        {
            return false;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(_clientRoots);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return custom.Build(leaf);
    }

    public void Dispose() => _certificate.Dispose();
}
