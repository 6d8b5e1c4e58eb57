using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Corrosion.Host.Config;

/// <summary>
/// Parses <c>host:port</c> addresses. Bind addresses must be an IP literal (IPv6 in brackets: <c>[::]:8787</c>);
/// peer addresses (<c>gossip.bootstrap</c>, Consul) may use a DNS name.
/// </summary>
internal static class Addresses
{
    /// <summary>An IP address and port, as a socket binds it: <c>127.0.0.1:8080</c>, <c>[::]:8787</c>.</summary>
    public static bool TryParseEndPoint(string text, [NotNullWhen(true)] out IPEndPoint? endPoint, [NotNullWhen(false)] out string? error)
    {
        endPoint = null;
        if (!TrySplit(text, out var host, out var port, out var bracketed, out error))
        {
            return false;
        }

        if (!IPAddress.TryParse(host, out var address) || (address.AddressFamily == AddressFamily.InterNetworkV6 && !bracketed))
        {
            error = $"'{text}' is not an IP address and port (like 127.0.0.1:8080 or [::]:8080)";
            return false;
        }

        if (bracketed && address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            error = $"'{text}': only IPv6 addresses go in brackets";
            return false;
        }

        endPoint = new IPEndPoint(address, port);
        return true;
    }

    /// <summary>A host (IP or DNS name) and port: <c>my-app.internal:8787</c>, <c>[fdaa::3]:53</c>.</summary>
    public static bool TryParseHostPort(string text, [NotNullWhen(true)] out string? host, out int port, [NotNullWhen(false)] out string? error)
    {
        host = null;
        if (!TrySplit(text, out var h, out port, out var bracketed, out error))
        {
            return false;
        }

        if (bracketed)
        {
            if (!IPAddress.TryParse(h, out var ip) || ip.AddressFamily != AddressFamily.InterNetworkV6)
            {
                error = $"'{text}': '[{h}]' is not an IPv6 address";
                return false;
            }
        }
        else if (Uri.CheckHostName(h) == UriHostNameType.Unknown || h.Contains(':', StringComparison.Ordinal))
        {
            error = $"'{text}' is not host:port";
            return false;
        }

        host = h;
        return true;
    }

    /// <summary>Formats as <c>host:port</c> with IPv6 in brackets.</summary>
    public static string Format(IPEndPoint endPoint) => endPoint.ToString();

    /// <summary>The address a client should connect to: unspecified addresses (0.0.0.0, [::]) become loopback.</summary>
    public static IPEndPoint ForConnecting(IPEndPoint endPoint)
    {
        if (endPoint.Address.Equals(IPAddress.Any))
        {
            return new IPEndPoint(IPAddress.Loopback, endPoint.Port);
        }

        if (endPoint.Address.Equals(IPAddress.IPv6Any))
        {
            return new IPEndPoint(IPAddress.IPv6Loopback, endPoint.Port);
        }

        return endPoint;
    }

    private static bool TrySplit(string text, out string host, out int port, out bool bracketed, [NotNullWhen(false)] out string? error)
    {
        host = string.Empty;
        port = 0;
        bracketed = false;
        error = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "is empty; expected host:port";
            return false;
        }

        string portText;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || close + 1 >= text.Length || text[close + 1] != ':')
            {
                error = $"'{text}' is not [ipv6]:port";
                return false;
            }

            host = text[1..close];
            portText = text[(close + 2)..];
            bracketed = true;
        }
        else
        {
            var colon = text.LastIndexOf(':');
            if (colon < 0)
            {
                error = $"'{text}' has no port; expected host:port";
                return false;
            }

            host = text[..colon];
            portText = text[(colon + 1)..];
            if (host.Contains(':', StringComparison.Ordinal))
            {
                error = $"'{text}': IPv6 addresses need brackets, like [::1]:8787";
                return false;
            }
        }

        if (host.Length == 0)
        {
            error = $"'{text}' has no host";
            return false;
        }

        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port > 65535)
        {
            error = $"'{text}': '{portText}' is not a port (0-65535)";
            return false;
        }

        return true;
    }
}
