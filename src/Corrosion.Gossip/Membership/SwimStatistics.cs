namespace Corrosion.Gossip.Membership;

/// <summary>Counters of one membership instance since it was created.</summary>
public readonly record struct SwimStatistics(
    long MessagesReceived,
    long MessagesSent,
    long MalformedDropped,
    long ForeignClusterDropped,
    long SendFailures,
    long HandlerErrors,
    long EventsDropped);
