namespace Corrosion.Gossip.Protocol;

/// <summary>A SWIM datagram that cannot be decoded (truncated, oversized, unknown version or hostile). Dropped by the loop.</summary>
internal sealed class SwimProtocolException : Exception
{
    public SwimProtocolException()
    {
    }

    public SwimProtocolException(string message)
        : base(message)
    {
    }

    public SwimProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
