namespace Corrosion.Gossip.Sync;

/// <summary>What one anti-entropy session exchanged.</summary>
internal sealed record SyncResult(ActorId Peer, int ChangesetsSent, int ChangesetsReceived, int ChangesReceived, TimeSpan Elapsed);
