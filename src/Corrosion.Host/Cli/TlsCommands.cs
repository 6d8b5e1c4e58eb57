using System.CommandLine;
using System.Net;
using System.Security.Cryptography;
using Corrosion.Host.Tls;

namespace Corrosion.Host.Cli;

/// <summary>
/// <c>corrosion tls ca generate</c>, <c>tls server generate &lt;IP&gt; --ca-key --ca-cert</c>,
/// <c>tls client generate --ca-key --ca-cert</c>: PEM files for <c>[gossip.tls]</c>, written to the current
/// directory (or <c>--output-path</c>).
/// </summary>
internal static class TlsCommands
{
    public static Command Create(CliContext context)
    {
        return new Command("tls", "Tls-related commands")
        {
            new Command("ca", "TLS certificate authority commands") { CaGenerate(context) },
            new Command("server", "TLS server certificate commands") { ServerGenerate(context) },
            new Command("client", "TLS client certificate commands (for mutual TLS)") { ClientGenerate(context) },
        };
    }

    private static Option<string> OutputPath() => new("--output-path") { Description = "Directory to write the PEM files to", HelpName = "OUTPUT_PATH", DefaultValueFactory = _ => "." };

    private static Option<string> CaKey() => new("--ca-key") { Required = true, HelpName = "CA_KEY", Description = "The CA's private key (PEM)" };

    private static Option<string> CaCert() => new("--ca-cert") { Required = true, HelpName = "CA_CERT", Description = "The CA's certificate (PEM)" };

    private static Command CaGenerate(CliContext context)
    {
        var output = OutputPath();
        var command = new Command("generate", "Generate a TLS certificate authority (ca_cert.pem, ca_key.pem)") { output };
        command.SetAction(result => Run(context, "tls ca generate", () =>
        {
            using var ca = CertificateGenerator.CreateCa(DateTimeOffset.UtcNow);
            return Write(context, ca, result.GetValue(output)!, CertificateGenerator.CaCertFile, CertificateGenerator.CaKeyFile, "CA");
        }));
        return command;
    }

    private static Command ServerGenerate(CliContext context)
    {
        var ip = new Argument<string>("IP") { Description = "The IP address peers use to reach this server" };
        var caKey = CaKey();
        var caCert = CaCert();
        var output = OutputPath();
        var command = new Command("generate", "Generate a TLS server certificate from a CA (server_cert.pem, server_key.pem)") { ip, caKey, caCert, output };
        command.SetAction(result => Run(context, "tls server generate", () =>
        {
            var text = result.GetValue(ip)!;
            if (!IPAddress.TryParse(text, out var address))
            {
                context.Console.Fail("tls server generate", $"'{text}' is not an IP address");
                return ExitCodes.Error;
            }

            using var ca = CertificateGenerator.LoadCa(result.GetValue(caCert)!, result.GetValue(caKey)!);
            using var server = CertificateGenerator.CreateServer(ca, address, DateTimeOffset.UtcNow);
            return Write(context, server, result.GetValue(output)!, CertificateGenerator.ServerCertFile, CertificateGenerator.ServerKeyFile, "server");
        }));
        return command;
    }

    private static Command ClientGenerate(CliContext context)
    {
        var caKey = CaKey();
        var caCert = CaCert();
        var output = OutputPath();
        var command = new Command("generate", "Generate a TLS certificate from a CA (client_cert.pem, client_key.pem)") { caKey, caCert, output };
        command.SetAction(result => Run(context, "tls client generate", () =>
        {
            using var ca = CertificateGenerator.LoadCa(result.GetValue(caCert)!, result.GetValue(caKey)!);
            using var client = CertificateGenerator.CreateClient(ca, DateTimeOffset.UtcNow);
            return Write(context, client, result.GetValue(output)!, CertificateGenerator.ClientCertFile, CertificateGenerator.ClientKeyFile, "client");
        }));
        return command;
    }

    private static int Write(CliContext context, System.Security.Cryptography.X509Certificates.X509Certificate2 certificate, string directory, string certName, string keyName, string what)
    {
        Directory.CreateDirectory(directory);
        var certPath = Path.Combine(directory, certName);
        var keyPath = Path.Combine(directory, keyName);
        CertificateGenerator.WritePem(certificate, certPath, keyPath);
        context.Console.WriteLine($"Wrote {what} cert to {certPath}");
        context.Console.WriteLine($"Wrote {what} key to {keyPath}");
        return ExitCodes.Ok;
    }

    private static int Run(CliContext context, string name, Func<int> action)
    {
        try
        {
            return action();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            context.Console.Fail(name, ex.Message);
            return ExitCodes.Error;
        }
    }
}
