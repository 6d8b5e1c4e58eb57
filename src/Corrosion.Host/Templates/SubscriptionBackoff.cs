namespace Corrosion.Host.Templates;

/// <summary>How long to wait before resuming a broken subscription stream: doubling from <see cref="Initial"/> up to <see cref="Max"/>.</summary>
internal sealed record SubscriptionBackoff(TimeSpan Initial, TimeSpan Max)
{
    public static SubscriptionBackoff Default { get; } = new(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5));
}
