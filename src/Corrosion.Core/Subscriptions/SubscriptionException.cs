namespace Corrosion.Subscriptions;

/// <summary>A client could not join a subscription as asked (for example a change id no longer held).</summary>
public sealed class SubscriptionException : CorrosionException
{
    /// <summary>Creates the exception with the default message.</summary>
    public SubscriptionException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public SubscriptionException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    public SubscriptionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
