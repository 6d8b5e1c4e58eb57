namespace Corrosion.Host.Config;

/// <summary><c>gossip.broadcast</c>: <c>"gossip"</c> (default) or <c>{ plumtree = { ... } }</c>.</summary>
internal sealed class BroadcastConfig
{
    /// <summary><c>gossip</c> or <c>plumtree</c>.</summary>
    public string Mode { get; set; } = "gossip";

    public int PruneThreshold { get; set; } = 5;

    public int? OptimizationThreshold { get; set; }

    public bool BatchGossip { get; set; }

    public int PruneThrottleSecs { get; set; } = 1;

    /// <summary>Eager ratios as written (left to the cluster layer's defaults when empty).</summary>
    public List<double> EagerRatios { get; set; } = [];
}
