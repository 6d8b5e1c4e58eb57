namespace Corrosion.Subscriptions;

/// <summary>A snapshot of one live subscription, for operators (<c>corrosion subs list</c>).</summary>
/// <param name="Id">The subscription's id (<c>corro-query-id</c>).</param>
/// <param name="Sql">The query as the first client sent it.</param>
/// <param name="Columns">The query's columns.</param>
/// <param name="Rows">Rows currently in its result.</param>
/// <param name="Clients">Clients attached now; 0 means it is counting down its retention period.</param>
/// <param name="LastChangeId">The last change id it emitted.</param>
/// <param name="RestrictedMatching">Whether changes are matched by re-running the query for the changed keys only
/// (true) or by re-running it whole (false).</param>
public sealed record SubscriptionInfo(Guid Id, string Sql, IReadOnlyList<string> Columns, int Rows, int Clients, long LastChangeId, bool RestrictedMatching);
