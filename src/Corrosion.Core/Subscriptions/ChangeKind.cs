namespace Corrosion.Subscriptions;

/// <summary>What happened to a result row.</summary>
public enum ChangeKind
{
    /// <summary>A row appeared in the result.</summary>
    Insert,

    /// <summary>A row still in the result changed its cells.</summary>
    Update,

    /// <summary>A row left the result.</summary>
    Delete,
}
