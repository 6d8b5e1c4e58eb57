namespace Corrosion.Tracing;

/// <summary>
/// The <see cref="System.Diagnostics.ActivitySource"/> name every Corrosion span is started on, and the span names.
/// An embedding application that runs the OpenTelemetry SDK adds <c>AddSource(CorrosionActivitySource.Name)</c> to its
/// tracer provider; without a listener no span is created. The source itself is owned by the node (created with it,
/// disposed with it), not held in static state.
/// </summary>
public static class CorrosionActivitySource
{
    /// <summary>The source's name, for OpenTelemetry's <c>AddSource</c> and <c>ActivityListener</c>s.</summary>
    public const string Name = "Corrosion";

    /// <summary>A local write transaction (<c>ICorrosionNode.ExecuteAsync</c>, <c>POST /v1/transactions</c>).</summary>
    public const string Transaction = "corrosion.transaction";

    /// <summary>A read-only query, from its start until its result is disposed (all rows read).</summary>
    public const string Query = "corrosion.query";

    /// <summary>Remote changesets applied to the database (from a broadcast or a sync session).</summary>
    public const string ApplyChangesets = "corrosion.apply_changesets";

    /// <summary>One anti-entropy sync session with a peer (kind client when this node started it, server otherwise).</summary>
    public const string Sync = "corrosion.sync";

    /// <summary>One broadcast changeset received from a peer (kind consumer), applied and perhaps forwarded.</summary>
    public const string BroadcastReceive = "corrosion.broadcast.receive";
}
