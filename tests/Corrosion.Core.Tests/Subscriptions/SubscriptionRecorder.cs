using Corrosion.Storage;
using Corrosion.Subscriptions;
using Corrosion.TestKit;

namespace Corrosion.Core.Tests.Subscriptions;

/// <summary>Reads a subscription's events in the background and keeps the rowid -> cells state they describe.</summary>
internal sealed class SubscriptionRecorder : IAsyncDisposable
{
    private readonly ISubscription _subscription;
    private readonly List<SubscriptionEvent> _events = [];
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reader;

    public SubscriptionRecorder(ISubscription subscription)
    {
        _subscription = subscription;
        _reader = Task.Run(async () =>
        {
            try
            {
                await foreach (var @event in subscription.WithCancellation(_stop.Token))
                {
                    lock (_gate)
                    {
                        _events.Add(@event);
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
    }

    public Guid Id => _subscription.Id;

    public IReadOnlyList<SubscriptionEvent> Events
    {
        get
        {
            lock (_gate)
            {
                return [.. _events];
            }
        }
    }

    public IReadOnlyList<SubscriptionEvent.Change> Changes => [.. Events.OfType<SubscriptionEvent.Change>()];

    public long LastChangeId => Changes.Count > 0 ? Changes[^1].ChangeId : Events.OfType<SubscriptionEvent.EndOfQuery>().Single().ChangeId;

    /// <summary>Waits until at least <paramref name="count"/> change events arrived.</summary>
    public Task WaitForChangesAsync(int count, string what) =>
        Eventually.UntilAsync(() => Task.FromResult(Changes.Count >= count), TimeSpan.FromSeconds(20), $"{count} change(s): {what}", () => Task.FromResult(Describe()));

    public Task WaitForEndOfQueryAsync() =>
        Eventually.UntilAsync(() => Events.OfType<SubscriptionEvent.EndOfQuery>().Any(), TimeSpan.FromSeconds(20), "end of query");

    /// <summary>The result as the events describe it: rows, then every change applied by row id.</summary>
    public Dictionary<long, IReadOnlyList<SqlValue>> State()
    {
        var state = new Dictionary<long, IReadOnlyList<SqlValue>>();
        foreach (var @event in Events)
        {
            switch (@event)
            {
                case SubscriptionEvent.Row row:
                    state[row.RowId] = row.Cells;
                    break;
                case SubscriptionEvent.Change { Kind: ChangeKind.Delete } delete:
                    state.Remove(delete.RowId).Should().BeTrue($"a delete names a held row id ({delete.RowId})");
                    break;
                case SubscriptionEvent.Change { Kind: ChangeKind.Insert } insert:
                    state.ContainsKey(insert.RowId).Should().BeFalse($"an insert uses a new row id ({insert.RowId})");
                    state[insert.RowId] = insert.Cells;
                    break;
                case SubscriptionEvent.Change update:
                    state.ContainsKey(update.RowId).Should().BeTrue($"an update names a held row id ({update.RowId})");
                    state[update.RowId] = update.Cells;
                    break;
            }
        }

        return state;
    }

    /// <summary>The state as sorted <c>a|b</c> strings, to compare with <see cref="FreshAsync"/>.</summary>
    public List<string> StateRows() => [.. State().Values.Select(Format).Order(StringComparer.Ordinal)];

    public static async Task<List<string>> FreshAsync(ICorrosionNode node, Statement statement)
    {
        await using var query = await node.QueryAsync(statement);
        var rows = new List<string>();
        await foreach (var row in query.ReadRowsAsync())
        {
            rows.Add(Format(row.Values));
        }

        rows.Sort(StringComparer.Ordinal);
        return rows;
    }

    public static string Format(IReadOnlyList<SqlValue> cells) => string.Join("|", cells.Select(c => c.IsNull ? "NULL" : $"{c.Kind}:{c}"));

    public string Describe() => string.Join("; ", Events.Select(e => e switch
    {
        SubscriptionEvent.Row r => $"row {r.RowId} {Format(r.Cells)}",
        SubscriptionEvent.Change c => $"{c.Kind} {c.RowId} {Format(c.Cells)} #{c.ChangeId}",
        _ => e.ToString(),
    }));

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _reader;
        await _subscription.DisposeAsync();
        _stop.Dispose();
    }
}
