namespace Corrosion.Subscriptions;

/// <summary>A client could not join a subscription as asked (for example a change id no longer held).</summary>
public sealed class SubscriptionException : CorrosionException
{
    public SubscriptionException()
    {
    }

    public SubscriptionException(string message)
        : base(message)
    {
    }

    public SubscriptionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
