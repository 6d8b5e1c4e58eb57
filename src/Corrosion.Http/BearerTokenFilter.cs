using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Corrosion.Http;

/// <summary>
/// Applied to the whole <c>/v1</c> group: when <see cref="HttpApiOptions.BearerToken"/> is set, a request without
/// <c>Authorization: Bearer &lt;token&gt;</c> gets 401 <c>{"error":"..."}</c> before its handler runs or its body is read.
/// The token is compared in constant time (over SHA-256 digests, so not even its length leaks).
/// </summary>
internal sealed class BearerTokenFilter : IEndpointFilter
{
    private readonly HttpApiContext _api;
    private TokenDigest? _digest;

    public BearerTokenFilter(HttpApiContext api)
    {
        _api = api;
    }

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var expected = ExpectedDigest();
        if (expected is null)
        {
            return await next(context).ConfigureAwait(false);
        }

        var http = context.HttpContext;
        var reason = Check(http.Request.Headers.Authorization.ToString(), expected);
        if (reason is null)
        {
            return await next(context).ConfigureAwait(false);
        }

        Log.Unauthorized(_api.Logger, http.Request.Method, http.Request.Path, reason);
        http.Response.Headers[HeaderNames.WWWAuthenticate] = "Bearer";
        await JsonResponses.WriteErrorAsync(http, StatusCodes.Status401Unauthorized, reason).ConfigureAwait(false);
        return Results.Empty;
    }

    private static string? Check(string header, byte[] expected)
    {
        if (header.Length == 0)
        {
            return "unauthorized: this API requires an 'Authorization: Bearer <token>' header";
        }

        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return "unauthorized: the Authorization header must use the Bearer scheme";
        }

        var given = SHA256.HashData(Encoding.UTF8.GetBytes(header[scheme.Length..].Trim()));
        return CryptographicOperations.FixedTimeEquals(given, expected) ? null : "unauthorized: invalid bearer token";
    }

    private byte[]? ExpectedDigest()
    {
        var token = _api.Options.BearerToken;
        if (token is null)
        {
            return null;
        }

        // Options are fixed after start; hash once (a race only hashes twice, the pair is replaced whole).
        var digest = _digest;
        if (digest is null || !ReferenceEquals(digest.Token, token))
        {
            digest = new TokenDigest(token, SHA256.HashData(Encoding.UTF8.GetBytes(token)));
            _digest = digest;
        }

        return digest.Digest;
    }

    private sealed record TokenDigest(string Token, byte[] Digest);
}
