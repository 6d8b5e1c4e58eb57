namespace Corrosion.Gossip.Membership;

/// <summary>Counters of one membership instance since it was created.</summary>
/// <param name="MessagesReceived">Well-formed SWIM messages of this cluster that reached the membership loop.</param>
/// <param name="MessagesSent">SWIM datagrams sent.</param>
/// <param name="MalformedDropped">Datagrams dropped because they did not decode.</param>
/// <param name="ForeignClusterDropped">Messages dropped because they came from another cluster id.</param>
/// <param name="SendFailures">Datagrams the transport failed to send.</param>
/// <param name="HandlerErrors">Events whose handling failed unexpectedly (logged, then skipped).</param>
/// <param name="EventsDropped">Timer events dropped because the membership loop's queue was full.</param>
public readonly record struct SwimStatistics(
    long MessagesReceived,
    long MessagesSent,
    long MalformedDropped,
    long ForeignClusterDropped,
    long SendFailures,
    long HandlerErrors,
    long EventsDropped);
