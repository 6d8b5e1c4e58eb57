using Corrosion.Gossip.Transport.Quic;
using Corrosion.Gossip.Transport.Tcp;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Corrosion.Gossip.Transport;

/// <summary>
/// Starts the node's peer transport: QUIC where the platform supports it, TCP streams + UDP datagrams otherwise.
/// Validates the options first (one exception listing every problem, each naming its config key) and logs
/// <c>Starting peer API on tcp+udp/[::]:8787</c> (or <c>quic/...</c>).
/// </summary>
internal sealed class PeerTransportFactory(ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
{
    private readonly ILoggerFactory _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
    private readonly TimeProvider _timeProvider = timeProvider ?? TimeProvider.System;

    /// <summary>Set false to force TCP+UDP even where QUIC is available.</summary>
    public bool PreferQuic { get; init; } = true;

    /// <summary>The transport <see cref="StartAsync"/> would pick here ("quic" or "tcp+udp").</summary>
    public string SelectedTransportName =>
        PreferQuic && (OperatingSystem.IsLinux() || OperatingSystem.IsWindows() || OperatingSystem.IsMacOS()) && QuicPeerTransport.IsSupported
            ? QuicPeerTransport.TransportName
            : TcpUdpPeerTransport.TransportName;

    /// <exception cref="OptionsValidationException">The options are invalid (every failure listed).</exception>
    /// <exception cref="AddressInUseException">The port of <c>gossip.addr</c> is taken.</exception>
    public async ValueTask<IPeerTransport> StartAsync(GossipTransportOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var result = new GossipTransportOptionsValidator().Validate(Microsoft.Extensions.Options.Options.DefaultName, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(Microsoft.Extensions.Options.Options.DefaultName, typeof(GossipTransportOptions), result.Failures);
        }

        var logger = _loggerFactory.CreateLogger<PeerTransportFactory>();
        if (options.Plaintext && options.Tls is not null)
        {
            Log.PlaintextWinsOverTls(logger);
        }

        IPeerTransport transport;
        if (OperatingSystem.IsLinux() || OperatingSystem.IsWindows() || OperatingSystem.IsMacOS())
        {
            if (PreferQuic && QuicPeerTransport.IsSupported)
            {
                transport = await QuicPeerTransport.BindAsync(options, _loggerFactory, _timeProvider, cancellationToken).ConfigureAwait(false);
                Log.PeerApiStarting(logger, transport.Name, transport.LocalEndPoint);
                return transport;
            }

            if (PreferQuic)
            {
                Log.QuicNotSupported(logger);
            }
        }

        transport = TcpUdpPeerTransport.Bind(options, _loggerFactory, _timeProvider);
        Log.PeerApiStarting(logger, transport.Name, transport.LocalEndPoint);
        return transport;
    }
}
