using Corrosion.Http;
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
    }

    /// <summary><c>api.authz.bearer-token</c> onto the HTTP API's <see cref="HttpApiOptions"/>.</summary>
    public static void Apply(CorrosionConfig config, HttpApiOptions options)
    {
        options.BearerToken = config.Api.BearerToken;
    }
}
