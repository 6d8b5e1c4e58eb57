using System.Globalization;
using System.Net;
using Microsoft.Extensions.Options;

namespace Corrosion.Gossip.Transport;

/// <summary>Checks the transport settings at start; every problem names its config key.</summary>
internal sealed class GossipTransportOptionsValidator : IValidateOptions<GossipTransportOptions>
{
    public ValidateOptionsResult Validate(string? name, GossipTransportOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Addr))
        {
            failures.Add("gossip.addr: is required");
        }
        else if (!TryParseEndPoint(options.Addr, out _))
        {
            failures.Add($"gossip.addr: '{options.Addr}' is not ip:port");
        }

        if (options.ExternalAddr is not null && !TryParseEndPoint(options.ExternalAddr, out _))
        {
            failures.Add($"gossip.external_addr: '{options.ExternalAddr}' is not ip:port");
        }

        if (!options.Plaintext && options.Tls is null)
        {
            failures.Add("gossip: neither plaintext nor tls is configured; set gossip.plaintext = true or configure [gossip.tls] (cert_file, key_file)");
        }

        if (options.MaxMtu is { } mtu && (mtu < GossipTransportOptions.MinMtu || mtu > GossipTransportOptions.MaxUdpPayload))
        {
            failures.Add($"gossip.max_mtu: must be between {GossipTransportOptions.MinMtu} and {GossipTransportOptions.MaxUdpPayload}, got {mtu}");
        }

        if (options.IdleTimeout <= TimeSpan.Zero)
        {
            failures.Add($"gossip.idle_timeout_secs: must be positive, got {options.IdleTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)}");
        }

        if (!options.Plaintext && options.Tls is { } tls)
        {
            RequireFile(failures, "gossip.tls.cert_file", tls.CertFile);
            RequireFile(failures, "gossip.tls.key_file", tls.KeyFile);
            if (tls.CaFile is not null)
            {
                RequireFile(failures, "gossip.tls.ca_file", tls.CaFile);
            }

            if (tls.Client is { } client)
            {
                RequireFile(failures, "gossip.tls.client.cert_file", client.CertFile);
                RequireFile(failures, "gossip.tls.client.key_file", client.KeyFile);
                if (tls.CaFile is null)
                {
                    failures.Add("gossip.tls.client: mutual TLS needs gossip.tls.ca_file to verify the certificates peers present");
                }
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Parses <c>ip:port</c> with an explicit port (<c>[::]:8787</c>, <c>127.0.0.1:0</c>).</summary>
    public static bool TryParseEndPoint(string text, out IPEndPoint endPoint)
    {
        endPoint = null!;
        var colon = text.LastIndexOf(':');
        var bracket = text.LastIndexOf(']');
        if (colon < 0 || colon < bracket || colon == text.Length - 1)
        {
            return false;
        }

        var host = text[..colon];
        if (host.Contains(':', StringComparison.Ordinal) && !(host.StartsWith('[') && host.EndsWith(']')))
        {
            return false;
        }

        if (!IPEndPoint.TryParse(text, out var parsed))
        {
            return false;
        }

        endPoint = parsed;
        return true;
    }

    private static void RequireFile(List<string> failures, string key, string? path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            failures.Add($"{key}: is required");
        }
        else if (!File.Exists(path))
        {
            failures.Add($"{key}: file not found: {path}");
        }
    }
}
