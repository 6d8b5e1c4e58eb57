using System.ComponentModel.DataAnnotations;

namespace Corrosion.Http;

/// <summary>Settings of the <c>/v1</c> HTTP API (the <c>[api]</c> section of the config).</summary>
public sealed class HttpApiOptions
{
    /// <summary>
    /// <c>api.authz.bearer-token</c>: when set, every <c>/v1</c> request must carry <c>Authorization: Bearer &lt;token&gt;</c>
    /// or gets 401. Null (the default) means no authentication.
    /// </summary>
    public string? BearerToken { get; set; }

    /// <summary>The largest request body accepted, in bytes; bigger bodies get 413. Default 8 MiB.</summary>
    [Range(1L, long.MaxValue, ErrorMessage = "api.max_request_body_bytes (HttpApiOptions.MaxRequestBodyBytes): must be at least 1 byte")]
    public long MaxRequestBodyBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>
    /// How long a <c>/v1/queries</c> request may run when it gives no <c>?timeout=</c>. <see cref="TimeSpan.Zero"/>
    /// means no limit. Default 60 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "24855.00:00:00", ErrorMessage = "api.default_query_timeout (HttpApiOptions.DefaultQueryTimeout): must be between 0 (none) and 24855 days")]
    public TimeSpan DefaultQueryTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Commits buffered for each <c>/v1/updates/{table}</c> reader; a reader further behind gets an error event and
    /// is disconnected, so a slow client never holds up writes. Default 1024.
    /// </summary>
    [Range(1, int.MaxValue, ErrorMessage = "HttpApiOptions.UpdatesBufferCommits: must be at least 1")]
    public int UpdatesBufferCommits { get; set; } = 1024;
}
