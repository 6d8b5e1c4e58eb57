namespace Corrosion.Gossip.Transport;

/// <summary>The requested <c>gossip.addr</c> (TCP or UDP on that port) is already bound by another socket.</summary>
public sealed class AddressInUseException : IOException
{
    /// <summary>Creates the exception with a message and the socket error that caused it.</summary>
    public AddressInUseException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public AddressInUseException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with the default message.</summary>
    public AddressInUseException()
    {
    }
}
