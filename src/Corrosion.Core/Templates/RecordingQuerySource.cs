namespace Corrosion.Templates;

/// <summary>Passes queries through and remembers which ones a render ran and the version each saw (-1 for a query that failed), even when the render fails.</summary>
internal sealed class RecordingQuerySource(ITemplateQuerySource inner) : ITemplateQuerySource
{
    private readonly Dictionary<TemplateQuery, long> _seen = [];

    public IReadOnlyDictionary<TemplateQuery, long> Seen => _seen;

    public async ValueTask<TemplateQueryResult> QueryAsync(TemplateQuery query, CancellationToken cancellationToken = default)
    {
        TemplateQueryResult result;
        try
        {
            result = await inner.QueryAsync(query, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            // Watch a failed query too (from before any version): when the source has it again, render again.
            _seen.TryAdd(query, -1);
            throw;
        }

        // The oldest version a render saw is the one to watch from: any newer data must trigger a render.
        _seen[query] = _seen.TryGetValue(query, out var v) ? Math.Min(v, result.Version) : result.Version;
        return result;
    }

    public ValueTask<long> WaitForChangeAsync(TemplateQuery query, long version, CancellationToken cancellationToken = default) =>
        inner.WaitForChangeAsync(query, version, cancellationToken);
}
