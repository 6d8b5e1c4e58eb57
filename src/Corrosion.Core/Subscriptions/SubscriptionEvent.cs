using Corrosion.Storage;

namespace Corrosion.Subscriptions;

/// <summary>
/// One event of a subscription stream, in the order a client receives them: <see cref="Columns"/>, then the current
/// result as <see cref="Row"/>s, then <see cref="EndOfQuery"/>, then live <see cref="Change"/>s. An
/// <see cref="Error"/> is always the last event of a stream.
/// </summary>
public abstract record SubscriptionEvent
{
    private SubscriptionEvent()
    {
    }

    /// <summary>Cells as <c>[1, text, NULL]</c> (each as <see cref="SqlValue.ToString"/> prints it, NULL spelled out).</summary>
    private static string Format(IReadOnlyList<SqlValue> cells) =>
        "[" + string.Join(", ", cells.Select(c => c.IsNull ? "NULL" : c.ToString())) + "]";

    /// <summary>The names of the query's columns.</summary>
    /// <param name="Names">The column names, in result order.</param>
    public sealed record Columns(IReadOnlyList<string> Names) : SubscriptionEvent
    {
        /// <summary><c>Columns { Names = [id, title] }</c>.</summary>
        public override string ToString() => $"Columns {{ Names = [{string.Join(", ", Names)}] }}";
    }

    /// <summary>A row of the current result, with its subscription-wide stable row id.</summary>
    /// <param name="RowId">The row's id, stable for the subscription's life: later changes of the row carry it.</param>
    /// <param name="Cells">The row's values, one per column.</param>
    public sealed record Row(long RowId, IReadOnlyList<SqlValue> Cells) : SubscriptionEvent
    {
        /// <summary><c>Row { RowId = 1, Cells = [7, NULL] }</c>.</summary>
        public override string ToString() => $"Row {{ RowId = {RowId}, Cells = {Format(Cells)} }}";
    }

    /// <summary>End of the current result. <paramref name="ChangeId"/> is the last change id those rows include.</summary>
    /// <param name="Time">How long running the query took.</param>
    /// <param name="ChangeId">The last change id the rows include; live changes follow from the next one.</param>
    public sealed record EndOfQuery(TimeSpan Time, long ChangeId) : SubscriptionEvent;

    /// <summary>
    /// A result row appeared (insert), changed (update) or disappeared (delete). Cells are the row's values (its last
    /// values for a delete). Change ids are contiguous per subscription, starting at 1.
    /// </summary>
    /// <param name="Kind">Insert, update or delete.</param>
    /// <param name="RowId">The id of the row that changed (as in <see cref="Row"/>).</param>
    /// <param name="Cells">The row's values, one per column (its last values for a delete).</param>
    /// <param name="ChangeId">The change's id.</param>
    public sealed record Change(ChangeKind Kind, long RowId, IReadOnlyList<SqlValue> Cells, long ChangeId) : SubscriptionEvent
    {
        /// <summary><c>Change { Kind = Update, RowId = 3, Cells = [2, two], ChangeId = 9 }</c>.</summary>
        public override string ToString() => $"Change {{ Kind = {Kind}, RowId = {RowId}, Cells = {Format(Cells)}, ChangeId = {ChangeId} }}";
    }

    /// <summary>The stream failed (the client fell behind, the subscription was dropped); nothing follows.</summary>
    /// <param name="Message">Why the stream failed.</param>
    public sealed record Error(string Message) : SubscriptionEvent;
}
