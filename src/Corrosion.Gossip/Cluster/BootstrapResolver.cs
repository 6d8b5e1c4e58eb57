using System.Net;

namespace Corrosion.Gossip.Cluster;

/// <summary>
/// Turns <c>gossip.bootstrap</c> entries into addresses: <c>ip:port</c>, <c>[v6]:port</c>, <c>name:port</c> (system
/// resolver) and <c>name:port@dns-server:port</c> (that server, asked directly).
/// </summary>
internal static class BootstrapResolver
{
    /// <summary>Resolves every entry; an entry that does not resolve is reported through <paramref name="onError"/>.</summary>
    public static async Task<IReadOnlyList<IPEndPoint>> ResolveAsync(IEnumerable<string> entries, Action<string, string> onError, CancellationToken cancellationToken)
    {
        var result = new List<IPEndPoint>();
        foreach (var entry in entries)
        {
            var parts = entry.Split('@', 2);
            var target = parts[0].Trim();
            IPEndPoint? dnsServer = null;
            if (parts.Length == 2 && !IPEndPoint.TryParse(parts[1].Trim(), out dnsServer))
            {
                onError(entry, $"'{parts[1].Trim()}' is not a DNS server address (ip:port)");
                continue;
            }

            if (IPEndPoint.TryParse(target, out var literal) && literal.Port != 0)
            {
                result.Add(literal);
                continue;
            }

            var colon = target.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(target[(colon + 1)..], out var port) || port is < 1 or > 65535)
            {
                onError(entry, "expected host:port");
                continue;
            }

            try
            {
                var addresses = dnsServer is null
                    ? await Dns.GetHostAddressesAsync(target[..colon], cancellationToken).ConfigureAwait(false)
                    : await DnsQuery.ResolveAsync(target[..colon], dnsServer.Port == 0 ? new IPEndPoint(dnsServer.Address, 53) : dnsServer, TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
                if (addresses.Count == 0)
                {
                    onError(entry, "no A or AAAA records");
                }

                result.AddRange(addresses.Select(a => new IPEndPoint(a, port)));
            }
            catch (System.Net.Sockets.SocketException ex)
            {
                onError(entry, ex.Message);
            }
        }

        return result;
    }
}
