using System.Net;
using Microsoft.Extensions.Logging;

namespace Corrosion.Gossip.Membership;

/// <summary>Source-generated log messages of SWIM membership (EventIds 2500-2999; next free: 2520).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 2500, EventName = "MemberStatusChanged", Level = LogLevel.Information, Message = "member {Actor} at {Address} is now {Status} (incarnation {Incarnation})")]
    public static partial void MemberStatusChanged(ILogger logger, ActorId actor, EndPoint address, MemberStatus status, uint incarnation);

    [LoggerMessage(EventId = 2501, EventName = "MemberRestarted", Level = LogLevel.Information, Message = "member {Actor} restarted: run started {OldStart:O} superseded by run started {NewStart:O}")]
    public static partial void MemberRestarted(ILogger logger, ActorId actor, DateTimeOffset oldStart, DateTimeOffset newStart);

    [LoggerMessage(EventId = 2502, EventName = "Refuted", Level = LogLevel.Information, Message = "refuted {Status} about this node: incarnation {OldIncarnation} -> {NewIncarnation}")]
    public static partial void Refuted(ILogger logger, MemberStatus status, uint oldIncarnation, uint newIncarnation);

    [LoggerMessage(EventId = 2503, EventName = "MalformedDatagram", Level = LogLevel.Debug, Message = "dropped malformed SWIM datagram from {Remote}: {Reason}")]
    public static partial void MalformedDatagram(ILogger logger, EndPoint remote, string reason);

    [LoggerMessage(EventId = 2504, EventName = "ForeignCluster", Level = LogLevel.Debug, Message = "ignored SWIM message from {Remote} of cluster {ClusterId} (this node is in cluster {OwnClusterId})")]
    public static partial void ForeignCluster(ILogger logger, EndPoint remote, ushort clusterId, ushort ownClusterId);

    [LoggerMessage(EventId = 2505, EventName = "Started", Level = LogLevel.Information, Message = "SWIM membership started as {Actor} at {Address} (cluster {ClusterId}, transport {Transport}, {Targets} join targets)")]
    public static partial void Started(ILogger logger, ActorId actor, EndPoint address, ushort clusterId, string transport, int targets);

    [LoggerMessage(EventId = 2506, EventName = "Announcing", Level = LogLevel.Debug, Message = "announcing to {Count} addresses (next in {Delay})")]
    public static partial void Announcing(ILogger logger, int count, TimeSpan delay);

    [LoggerMessage(EventId = 2507, EventName = "Joined", Level = LogLevel.Information, Message = "Current node is considered ACTIVE: joined the cluster, first answer from {Actor} at {Address}")]
    public static partial void Joined(ILogger logger, ActorId actor, EndPoint address);

    [LoggerMessage(EventId = 2508, EventName = "Leaving", Level = LogLevel.Information, Message = "leaving the cluster: telling {Count} members")]
    public static partial void Leaving(ILogger logger, int count);

    [LoggerMessage(EventId = 2509, EventName = "SendFailed", Level = LogLevel.Debug, Message = "sending a SWIM {Kind} to {Address} failed")]
    public static partial void SendFailed(ILogger logger, Exception exception, string kind, EndPoint address);

    [LoggerMessage(EventId = 2510, EventName = "PersistFailed", Level = LogLevel.Warning, Message = "could not persist {Count} members")]
    public static partial void PersistFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(EventId = 2511, EventName = "HandlerFailed", Level = LogLevel.Error, Message = "SWIM loop failed handling {Event}; continuing")]
    public static partial void HandlerFailed(ILogger logger, Exception exception, string @event);

    [LoggerMessage(EventId = 2512, EventName = "Stopped", Level = LogLevel.Information, Message = "SWIM membership stopped")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(EventId = 2513, EventName = "IndirectProbe", Level = LogLevel.Debug, Message = "no ack from {Actor} within the probe RTT; asking {Count} members to probe it")]
    public static partial void IndirectProbe(ILogger logger, ActorId actor, int count);

    [LoggerMessage(EventId = 2514, EventName = "MemberRemoved", Level = LogLevel.Debug, Message = "forgot member {Actor} ({Status} since {Since:O})")]
    public static partial void MemberRemoved(ILogger logger, ActorId actor, MemberStatus status, DateTimeOffset since);

    [LoggerMessage(EventId = 2515, EventName = "LoadFailed", Level = LogLevel.Warning, Message = "could not load persisted members; joining through the bootstrap list only")]
    public static partial void LoadFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2516, EventName = "ReceiveFailed", Level = LogLevel.Error, Message = "receiving SWIM datagrams from the {Transport} transport failed; membership stops")]
    public static partial void ReceiveFailed(ILogger logger, Exception exception, string transport);

    [LoggerMessage(EventId = 2517, EventName = "WildcardAddress", Level = LogLevel.Warning, Message = "advertising the wildcard address {Address} (set gossip.external_addr); peers will answer to the source address of this node's datagrams")]
    public static partial void WildcardAddress(ILogger logger, EndPoint address);

    [LoggerMessage(EventId = 2518, EventName = "StopWaitAbandoned", Level = LogLevel.Information, Message = "stopped waiting for the graceful leave: the caller's stop deadline passed; the leave goes on until it is sent or LeaveTimeout passes")]
    public static partial void StopWaitAbandoned(ILogger logger);

    [LoggerMessage(EventId = 2519, EventName = "NoAnswerFromJoinTargets", Level = LogLevel.Warning, Message = "no answer yet to {Count} announces over {Elapsed} from the join targets {Targets}; still trying. Check gossip.bootstrap, that those peers run and are reachable, that they can reach this node at the address it advertises, {Advertised} (gossip.external_addr, else gossip.addr), and with TLS that their certificates and this node's chain to the same gossip.tls.ca_file")]
    public static partial void NoAnswerFromJoinTargets(ILogger logger, int count, string targets, TimeSpan elapsed, EndPoint advertised);
}
