namespace Corrosion.Gossip.Transport;

/// <summary>A datagram payload larger than <see cref="IPeerTransport.MaxDatagramSize"/> was handed to a transport.</summary>
internal sealed class DatagramTooLargeException : ArgumentException
{
    public DatagramTooLargeException(int size, int maxSize)
        : base($"datagram of {size} bytes exceeds the maximum of {maxSize} bytes (bounded by gossip.max_mtu)")
    {
        Size = size;
        MaxSize = maxSize;
    }

    public DatagramTooLargeException()
    {
    }

    public DatagramTooLargeException(string message)
        : base(message)
    {
    }

    public DatagramTooLargeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public int Size { get; }

    public int MaxSize { get; }
}
