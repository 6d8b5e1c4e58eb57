using System.Net;
using Microsoft.Extensions.Options;

namespace Corrosion.Http.PgWire;

/// <summary>Checks a listener's options when it starts; every failure names its config key.</summary>
internal sealed class PgWireOptionsValidator : IValidateOptions<PgWireOptions>
{
    public ValidateOptionsResult Validate(string? name, PgWireOptions options)
    {
        var failures = new List<string>();
        if (!IPEndPoint.TryParse(options.Address ?? string.Empty, out _))
        {
            failures.Add($"api.pg.addr: '{options.Address}' is not ip:port");
        }

        if (options.Tls is { } tls)
        {
            if (string.IsNullOrWhiteSpace(tls.CertFile))
            {
                failures.Add("api.pg.tls.cert_file: is required when api.pg.tls is set");
            }
            else if (!File.Exists(tls.CertFile))
            {
                failures.Add($"api.pg.tls.cert_file: '{tls.CertFile}' does not exist");
            }

            if (string.IsNullOrWhiteSpace(tls.KeyFile))
            {
                failures.Add("api.pg.tls.key_file: is required when api.pg.tls is set");
            }
            else if (!File.Exists(tls.KeyFile))
            {
                failures.Add($"api.pg.tls.key_file: '{tls.KeyFile}' does not exist");
            }

            if (tls.VerifyClient && string.IsNullOrWhiteSpace(tls.CaFile))
            {
                failures.Add("api.pg.tls.ca_file: is required when api.pg.tls.verify_client is true");
            }
            else if (tls.CaFile is { Length: > 0 } ca && !File.Exists(ca))
            {
                failures.Add($"api.pg.tls.ca_file: '{ca}' does not exist");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
