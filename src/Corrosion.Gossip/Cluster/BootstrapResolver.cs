using System.Net;

namespace Corrosion.Gossip.Cluster;

/// <summary>Turns <c>gossip.bootstrap</c> entries into addresses: <c>ip:port</c>, <c>[v6]:port</c>, <c>name:port</c>.</summary>
public static class BootstrapResolver
{
    /// <summary>Resolves every entry; an entry that does not resolve is reported through <paramref name="onError"/>.</summary>
    public static async Task<IReadOnlyList<IPEndPoint>> ResolveAsync(IEnumerable<string> entries, Action<string, string> onError, CancellationToken cancellationToken)
    {
        var result = new List<IPEndPoint>();
        foreach (var entry in entries)
        {
            // A custom DNS server (name:port@server:port) is not reachable through .NET's resolver API: the system
            // resolver answers instead, and the entry says so in the error callback only if that fails too.
            var target = entry.Split('@', 2)[0].Trim();
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
                var addresses = await Dns.GetHostAddressesAsync(target[..colon], cancellationToken).ConfigureAwait(false);
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
