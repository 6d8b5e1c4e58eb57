namespace Corrosion.Backup;

/// <summary>How <see cref="CorrosionBackup.RestoreAsync"/> picks this node's actor id and where it cleans up.</summary>
public sealed class RestoreOptions
{
    /// <summary>
    /// Keep the actor id of the database being replaced (<c>--self-actor-id</c>): its changes in the backup become
    /// this node's own again (ordinal 0). The database at the target path must exist and have an actor id.
    /// </summary>
    public bool KeepSelfActorId { get; set; }

    /// <summary>Take this actor id as the node's own (<c>--actor-id</c>); its changes in the backup become local.</summary>
    public ActorId? ActorId { get; set; }

    /// <summary>
    /// The subscriptions directory to delete (its state no longer matches the restored data). Null means
    /// <c>&lt;database dir&gt;/subscriptions</c>, the default of <c>db.subscriptions_path</c>.
    /// </summary>
    public string? SubscriptionsPath { get; set; }

    /// <summary>How long to wait for the locks on the target database.</summary>
    public TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
