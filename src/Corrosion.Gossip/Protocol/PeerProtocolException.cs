namespace Corrosion.Gossip.Protocol;

/// <summary>A peer sent bytes that do not decode: that message (or connection) is dropped, never the node.</summary>
public sealed class PeerProtocolException : Exception
{
    public PeerProtocolException()
    {
    }

    public PeerProtocolException(string message)
        : base(message)
    {
    }

    public PeerProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
