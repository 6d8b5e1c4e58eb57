using Corrosion.Storage;
using Corrosion.Templates;

namespace Corrosion.Core.Tests.Templates;

/// <summary>An in-memory query source: results are set per SQL text; every set bumps the version and wakes waiters.</summary>
internal sealed class FakeQuerySource : ITemplateQuerySource
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, TemplateQueryResult> _results = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<(long Version, TaskCompletionSource<long> Waiter)>> _waiters = new(StringComparer.Ordinal);
    private long _queryCount;

    public List<TemplateQuery> Queries { get; } = [];

    public long QueryCount => Interlocked.Read(ref _queryCount);

    public Func<TemplateQuery, Exception?>? Fail { get; set; }

    public void Set(string sql, string[] columns, params object?[][] rows)
    {
        lock (_gate)
        {
            var version = _results.TryGetValue(sql, out var old) ? old.Version + 1 : 1;
            var result = new TemplateQueryResult(columns, rows.Select(r => (IReadOnlyList<SqlValue>)r.Select(ToSql).ToArray()).ToArray(), version);
            _results[sql] = result;
            if (_waiters.Remove(sql, out var waiters))
            {
                foreach (var (_, waiter) in waiters)
                {
                    waiter.TrySetResult(version);
                }
            }
        }
    }

    public ValueTask<TemplateQueryResult> QueryAsync(TemplateQuery query, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _queryCount);
        lock (_gate)
        {
            Queries.Add(query);
            if (Fail?.Invoke(query) is { } error)
            {
                throw error;
            }

            return _results.TryGetValue(query.Sql, out var result)
                ? ValueTask.FromResult(result)
                : throw new InvalidOperationException($"no such table for '{query.Sql}'");
        }
    }

    public async ValueTask<long> WaitForChangeAsync(TemplateQuery query, long version, CancellationToken cancellationToken = default)
    {
        TaskCompletionSource<long> waiter;
        lock (_gate)
        {
            if (_results.TryGetValue(query.Sql, out var current) && current.Version > version)
            {
                return current.Version;
            }

            waiter = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!_waiters.TryGetValue(query.Sql, out var list))
            {
                _waiters[query.Sql] = list = [];
            }

            list.Add((version, waiter));
        }

        return await waiter.Task.WaitAsync(cancellationToken);
    }

    private static SqlValue ToSql(object? value) => value switch
    {
        null => SqlValue.Null,
        long l => l,
        int i => (long)i,
        double d => d,
        string s => s,
        byte[] b => b,
        _ => throw new ArgumentException("unsupported value", nameof(value)),
    };
}
