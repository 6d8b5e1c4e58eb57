using System.Net;
using Microsoft.Extensions.Logging;

namespace Corrosion.Gossip.Transport;

/// <summary>
/// Source-generated log messages of the peer transport. Corrosion.Gossip owns EventIds 2000-2999; the transport uses
/// 2000-2099 (next free: 2016), leaving 2100 and up to membership, broadcast and sync.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 2000, EventName = "PeerApiStarting", Level = LogLevel.Information, Message = "Starting peer API on {Transport}/{EndPoint}")]
    public static partial void PeerApiStarting(ILogger logger, string transport, EndPoint endPoint);

    /// <summary>The exception is passed only when <paramref name="reason"/> is not this node's own verdict on the peer's certificate.</summary>
    [LoggerMessage(EventId = 2001, EventName = "TlsHandshakeFailed", Level = LogLevel.Warning, Message = "TLS handshake with {RemoteEndPoint} failed; connection refused: {Reason}")]
    public static partial void TlsHandshakeFailed(ILogger logger, EndPoint? remoteEndPoint, string reason, Exception? exception);

    [LoggerMessage(EventId = 2016, EventName = "TlsHandshakeAbandoned", Level = LogLevel.Information, Message = "{RemoteEndPoint} went away during the TLS handshake: {Reason}")]
    public static partial void TlsHandshakeAbandoned(ILogger logger, EndPoint? remoteEndPoint, string reason);

    [LoggerMessage(EventId = 2002, EventName = "DatagramDropped", Level = LogLevel.Debug, Message = "Dropped datagram from {RemoteEndPoint}: {Reason}")]
    public static partial void DatagramDropped(ILogger logger, EndPoint remoteEndPoint, string reason);

    [LoggerMessage(EventId = 2003, EventName = "IdleStreamClosed", Level = LogLevel.Debug, Message = "Closed stream with {RemoteEndPoint} after {IdleSeconds}s without traffic")]
    public static partial void IdleStreamClosed(ILogger logger, EndPoint remoteEndPoint, double idleSeconds);

    [LoggerMessage(EventId = 2004, EventName = "AcceptFailed", Level = LogLevel.Warning, Message = "Accepting a peer stream failed; still listening")]
    public static partial void AcceptFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2005, EventName = "DatagramReceiveFailed", Level = LogLevel.Warning, Message = "Receiving a datagram failed; still listening")]
    public static partial void DatagramReceiveFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2006, EventName = "PlaintextWinsOverTls", Level = LogLevel.Warning, Message = "gossip.plaintext = true and [gossip.tls] are both set; peer traffic is plaintext")]
    public static partial void PlaintextWinsOverTls(ILogger logger);

    [LoggerMessage(EventId = 2007, EventName = "UdpPortTaken", Level = LogLevel.Debug, Message = "UDP port {Port} was taken after binding TCP to it; retrying with a new port (attempt {Attempt})")]
    public static partial void UdpPortTaken(ILogger logger, int port, int attempt);

    [LoggerMessage(EventId = 2008, EventName = "QuicNotSupported", Level = LogLevel.Information, Message = "QUIC is not supported on this platform (libmsquic not found); using tcp+udp")]
    public static partial void QuicNotSupported(ILogger logger);

    [LoggerMessage(EventId = 2009, EventName = "QuicStreamFailed", Level = LogLevel.Debug, Message = "QUIC connection with {RemoteEndPoint} ended")]
    public static partial void QuicConnectionEnded(ILogger logger, EndPoint remoteEndPoint, Exception? exception);

    [LoggerMessage(EventId = 2010, EventName = "PeerApiStopped", Level = LogLevel.Information, Message = "Stopped peer API on {Transport}/{EndPoint}")]
    public static partial void PeerApiStopped(ILogger logger, string transport, EndPoint endPoint);

    [LoggerMessage(EventId = 2011, EventName = "DatagramChannelFull", Level = LogLevel.Debug, Message = "Datagram queue full; dropped the oldest datagram")]
    public static partial void DatagramChannelFull(ILogger logger);

    [LoggerMessage(EventId = 2012, EventName = "DatagramConnectionEnded", Level = LogLevel.Debug, Message = "TLS datagram connection to {RemoteEndPoint} ended; the next datagram opens a new one")]
    public static partial void DatagramConnectionEnded(ILogger logger, EndPoint remoteEndPoint);

    [LoggerMessage(EventId = 2013, EventName = "DatagramConnectionRejected", Level = LogLevel.Warning, Message = "Closed TLS datagram connection from {RemoteEndPoint}: {Reason}")]
    public static partial void DatagramConnectionRejected(ILogger logger, EndPoint remoteEndPoint, string reason);

    [LoggerMessage(EventId = 2014, EventName = "DatagramsLost", Level = LogLevel.Debug, Message = "Lost {Count} datagram(s) to {RemoteEndPoint}: {Reason}")]
    public static partial void DatagramsLost(ILogger logger, int count, EndPoint remoteEndPoint, string reason);

    [LoggerMessage(EventId = 2015, EventName = "TlsServerRefused", Level = LogLevel.Warning, Message = "TLS connection to {RemoteEndPoint} refused: {Reason}")]
    public static partial void TlsServerCertificateRefused(ILogger logger, EndPoint remoteEndPoint, string reason);
}
