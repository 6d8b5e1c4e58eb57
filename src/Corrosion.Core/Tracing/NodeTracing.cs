using System.Diagnostics;
using System.Reflection;
using Corrosion.Crdt;

namespace Corrosion.Tracing;

/// <summary>
/// The node's <see cref="ActivitySource"/> (<see cref="CorrosionActivitySource.Name"/>) and the spans the engine
/// starts on it. Every <c>Start*</c> returns null when nobody listens, so an untraced node pays one
/// <see cref="ActivitySource.HasListeners"/> check per operation. The cluster layer starts its spans on the same source.
/// </summary>
internal sealed class NodeTracing : IDisposable
{
    private readonly ActivitySource _source = new(CorrosionActivitySource.Name, Version());

    public ActivitySource Source => _source;

    public Activity? StartTransaction(int statements)
    {
        if (!_source.HasListeners())
        {
            return null;
        }

        var activity = _source.StartActivity(CorrosionActivitySource.Transaction, ActivityKind.Internal);
        activity?.SetTag("corrosion.statements", statements);
        return activity;
    }

    public static void Committed(Activity? activity, ActorId actor, IReadOnlyList<StatementResult> results, long? version)
    {
        if (activity is null)
        {
            return;
        }

        long rows = 0;
        foreach (var result in results)
        {
            rows += result.RowsAffected;
        }

        activity.SetTag("corrosion.actor_id", actor.ToString());
        activity.SetTag("corrosion.rows_affected", rows);
        if (version is not null)
        {
            activity.SetTag("corrosion.version", version);
        }
    }

    public Activity? StartQuery()
    {
        if (!_source.HasListeners())
        {
            return null;
        }

        var activity = _source.StartActivity(CorrosionActivitySource.Query, ActivityKind.Internal);
        activity?.SetTag("db.system.name", "sqlite");
        return activity;
    }

    public Activity? StartApply(IReadOnlyList<Changeset> changesets)
    {
        if (!_source.HasListeners())
        {
            return null;
        }

        var activity = _source.StartActivity(CorrosionActivitySource.ApplyChangesets, ActivityKind.Internal);
        if (activity is null || changesets.Count == 0)
        {
            return activity;
        }

        // Usually one actor (a broadcast, or a sync batch of one peer's versions); several are named by count only.
        var actor = changesets[0].ActorId;
        long min = long.MaxValue, max = long.MinValue;
        var changes = 0;
        var oneActor = true;
        foreach (var changeset in changesets)
        {
            oneActor &= changeset.ActorId == actor;
            min = Math.Min(min, changeset.Version);
            max = Math.Max(max, changeset.Version);
            changes += changeset.Changes.Count;
        }

        activity.SetTag("corrosion.changesets", changesets.Count);
        activity.SetTag("corrosion.changes", changes);
        if (oneActor)
        {
            activity.SetTag("corrosion.remote.actor_id", actor.ToString());
            activity.SetTag("corrosion.version.min", min);
            activity.SetTag("corrosion.version.max", max);
        }

        return activity;
    }

    public static void Applied(Activity? activity, ApplyResult result)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetTag("corrosion.versions.applied", result.AppliedVersions);
        activity.SetTag("corrosion.versions.skipped", result.SkippedVersions);
        activity.SetTag("corrosion.chunks.buffered", result.BufferedChunks);
        activity.SetTag("corrosion.changes.impacted", result.ImpactedChanges);
    }

    /// <summary>Marks the span failed with the exception (an event with its type and message).</summary>
    public static void Failed(Activity? activity, Exception exception)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetStatus(ActivityStatusCode.Error, exception.Message);
        activity.AddException(exception);
    }

    private static string Version()
    {
        var informational = typeof(NodeTracing).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? informational : informational[..plus];
    }

    public void Dispose() => _source.Dispose();
}
