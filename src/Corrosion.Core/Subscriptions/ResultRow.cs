using Corrosion.Storage;

namespace Corrosion.Subscriptions;

/// <summary>A row of a subscription's current result: its row id, visible cells and hidden identity cells.</summary>
internal sealed record ResultRow(long RowId, SqlValue[] Cells, SqlValue[] Hidden);

/// <summary>One emitted change, as kept in a subscription's history for <c>from=</c> resumption.</summary>
internal sealed record ChangeRecord(long ChangeId, ChangeKind Kind, long RowId, SqlValue[] Cells)
{
    public SubscriptionEvent.Change ToEvent() => new(Kind, RowId, Cells, ChangeId);
}

/// <summary>A subscription as persisted: enough to restore it without its clients.</summary>
internal sealed record StoredSubscription(
    Guid Id,
    Statement Statement,
    string[] Columns,
    long LastChangeId,
    long NextRowId,
    Dictionary<string, ResultRow> Rows,
    List<ChangeRecord> History);
