namespace Corrosion.Subscriptions;

/// <summary>How a client joins a subscription.</summary>
public sealed record SubscribeOptions
{
    /// <summary>
    /// Resume after this change id: only the changes with a greater id are sent (no columns, rows or end-of-query),
    /// then live changes. Null starts with the current rows.
    /// </summary>
    public long? From { get; init; }

    /// <summary>Send the columns and end-of-query but not the current rows.</summary>
    public bool SkipRows { get; init; }
}
