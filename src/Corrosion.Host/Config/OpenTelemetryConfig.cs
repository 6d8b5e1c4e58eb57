namespace Corrosion.Host.Config;

/// <summary><c>telemetry.open-telemetry</c>: <c>"from-env"</c> or <c>{ exporter = { endpoint = "..." } }</c>.</summary>
internal sealed class OpenTelemetryConfig
{
    /// <summary>True for <c>"from-env"</c> (also accepted: <c>"from_env"</c>): the OTLP exporter reads the <c>OTEL_*</c> variables.</summary>
    public bool FromEnv { get; set; }

    /// <summary><c>exporter.endpoint</c> as written.</summary>
    public string? ExporterEndpoint { get; set; }

    /// <summary>
    /// <see cref="ExporterEndpoint"/> as the gRPC exporter's URL: a <c>host:port</c> without scheme gets <c>http://</c>.
    /// Set by the parser when the endpoint is valid.
    /// </summary>
    public Uri? ExporterUri { get; set; }

    /// <summary>
    /// Parses <c>exporter.endpoint</c>: an <c>http://</c> or <c>https://</c> URL with a host, or a <c>host:port</c>
    /// (name, IPv4 or bracketed IPv6 host; port 1-65535), which gets <c>http://</c>.
    /// </summary>
    public static bool TryParseEndpoint(string value, out Uri? uri)
    {
        uri = null;
        if (value.Contains("://", StringComparison.Ordinal))
        {
            if (Uri.TryCreate(value, UriKind.Absolute, out var absolute)
                && (absolute.Scheme == Uri.UriSchemeHttp || absolute.Scheme == Uri.UriSchemeHttps)
                && absolute.Host.Length > 0 && string.IsNullOrEmpty(absolute.UserInfo))
            {
                uri = absolute;
                return true;
            }

            return false;
        }

        var colon = value.LastIndexOf(':');
        if (colon <= 0 || colon == value.Length - 1)
        {
            return false;
        }

        var portText = value[(colon + 1)..];
        if (!portText.All(char.IsAsciiDigit) || !int.TryParse(portText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port)
            || port is < 1 or > 65535)
        {
            return false;
        }

        var host = value[..colon];
        var bracketed = host.StartsWith('[') && host.EndsWith(']');
        if (!bracketed && host.Contains(':', StringComparison.Ordinal))
        {
            return false;
        }

        var hostType = Uri.CheckHostName(bracketed ? host[1..^1] : host);
        if (hostType == UriHostNameType.Unknown || (bracketed && hostType != UriHostNameType.IPv6))
        {
            return false;
        }

        return Uri.TryCreate("http://" + value, UriKind.Absolute, out uri);
    }
}
