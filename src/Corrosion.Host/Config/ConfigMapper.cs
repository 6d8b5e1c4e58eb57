using Corrosion.Gossip;
using Corrosion.Gossip.Transport;
using Corrosion.Http;
using Corrosion.Http.PgWire;
using Corrosion.Options;

namespace Corrosion.Host.Config;

/// <summary>Maps the host's config model onto the libraries' options.</summary>
internal static class ConfigMapper
{
    /// <summary>The <c>[db]</c> section onto the engine's <see cref="CorrosionOptions"/>.</summary>
    public static void Apply(CorrosionConfig config, CorrosionOptions options)
    {
        options.DatabasePath = config.Db.Path;
        options.SchemaPaths = [.. config.Db.SchemaPaths];
        options.SubscriptionsPath = config.Db.SubscriptionsPath;
        options.CacheSizeKib = config.Db.CacheSizeKib;
        options.WalThresholdBytes = config.Perf.WalThresholdMb * 1024 * 1024;
    }

    /// <summary><c>api.authz.bearer-token</c> onto the HTTP API's <see cref="HttpApiOptions"/>.</summary>
    public static void Apply(CorrosionConfig config, HttpApiOptions options)
    {
        options.BearerToken = config.Api.BearerToken;
    }

    /// <summary>The <c>[gossip]</c> section onto the cluster layer's <see cref="GossipOptions"/>.</summary>
    public static void Apply(CorrosionConfig config, GossipOptions options)
    {
        var gossip = config.Gossip;
        options.Transport.Addr = gossip.Addr.ToString();
        options.Transport.ExternalAddr = gossip.ExternalAddr?.ToString();
        options.Transport.Plaintext = gossip.Plaintext;
        options.Transport.MaxMtu = gossip.MaxMtu;
        options.Transport.IdleTimeout = TimeSpan.FromSeconds(gossip.IdleTimeoutSecs);
        options.Transport.DisableGso = gossip.DisableGso;
        options.Transport.Tls = gossip.Tls is not { } tls ? null : new GossipTlsOptions
        {
            CertFile = tls.CertFile,
            KeyFile = tls.KeyFile,
            CaFile = tls.CaFile,
            Insecure = tls.Insecure,
            Client = tls.Client is not { } client ? null : new GossipTlsClientOptions { CertFile = client.CertFile, KeyFile = client.KeyFile },
        };
        options.Bootstrap = [.. gossip.Bootstrap];
        options.MinSyncBackoff = TimeSpan.FromSeconds(config.Perf.MinSyncBackoff);
        options.MaxSyncBackoff = TimeSpan.FromSeconds(config.Perf.MaxSyncBackoff);
    }

    /// <summary>One <c>[api] pg</c> entry onto a PostgreSQL wire listener's <see cref="PgWireOptions"/>.</summary>
    public static void Apply(PgConfig pg, PgWireOptions options)
    {
        options.Address = pg.Addr.ToString();
        options.ReadOnly = pg.Readonly;
        options.Tls = pg.Tls is not { } tls ? null : new PgWireTlsOptions
        {
            CertFile = tls.CertFile,
            KeyFile = tls.KeyFile,
            CaFile = tls.CaFile,
            VerifyClient = tls.VerifyClient,
        };
    }
}
