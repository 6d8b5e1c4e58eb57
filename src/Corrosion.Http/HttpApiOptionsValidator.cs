using Microsoft.Extensions.Options;

namespace Corrosion.Http;

/// <summary>Checks the ranges declared on <see cref="HttpApiOptions"/> (source-generated, no reflection).</summary>
[OptionsValidator]
internal sealed partial class HttpApiOptionsValidator : IValidateOptions<HttpApiOptions>
{
}
