namespace Corrosion.Gossip.Transport;

/// <summary>
/// A peer sent bytes that break the wire format (unknown version, a frame over the size limit, a truncated frame at
/// end of stream). The connection it came on must be closed; the node carries on.
/// </summary>
internal sealed class PeerProtocolException : IOException
{
    public PeerProtocolException(string message)
        : base(message)
    {
    }

    public PeerProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public PeerProtocolException()
    {
    }
}
