using Microsoft.Extensions.Options;

namespace Corrosion.Http;

/// <summary>Refuses a bearer token that is set but empty, blank or not sendable in an HTTP header.</summary>
internal sealed class HttpApiBearerTokenValidator : IValidateOptions<HttpApiOptions>
{
    public ValidateOptionsResult Validate(string? name, HttpApiOptions options)
    {
        var token = options.BearerToken;
        if (token is null)
        {
            return ValidateOptionsResult.Success;
        }

        if (string.IsNullOrWhiteSpace(token))
        {
            return ValidateOptionsResult.Fail("api.authz.bearer-token (HttpApiOptions.BearerToken): must not be empty or blank when set; leave it unset for no authentication");
        }

        foreach (var c in token)
        {
            if (c is < '!' or > '~')
            {
                return ValidateOptionsResult.Fail("api.authz.bearer-token (HttpApiOptions.BearerToken): must be printable ASCII without spaces, as an Authorization header carries it");
            }
        }

        return ValidateOptionsResult.Success;
    }
}
