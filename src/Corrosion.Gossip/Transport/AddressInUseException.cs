namespace Corrosion.Gossip.Transport;

/// <summary>The requested <c>gossip.addr</c> (TCP or UDP on that port) is already bound by another socket.</summary>
public sealed class AddressInUseException : IOException
{
    public AddressInUseException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public AddressInUseException(string message)
        : base(message)
    {
    }

    public AddressInUseException()
    {
    }
}
