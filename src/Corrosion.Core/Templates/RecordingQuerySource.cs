namespace Corrosion.Templates;

/// <summary>Passes queries through and remembers which ones a render ran and the version each saw, even when the render fails.</summary>
internal sealed class RecordingQuerySource(ITemplateQuerySource inner) : ITemplateQuerySource
{
    private readonly Dictionary<TemplateQuery, long> _seen = [];

    public IReadOnlyDictionary<TemplateQuery, long> Seen => _seen;

    public async ValueTask<TemplateQueryResult> QueryAsync(TemplateQuery query, CancellationToken cancellationToken = default)
    {
        var result = await inner.QueryAsync(query, cancellationToken).ConfigureAwait(false);
        // The oldest version a render saw is the one to watch from: any newer data must trigger a render.
        _seen[query] = _seen.TryGetValue(query, out var v) ? Math.Min(v, result.Version) : result.Version;
        return result;
    }

    public ValueTask<long> WaitForChangeAsync(TemplateQuery query, long version, CancellationToken cancellationToken = default) =>
        inner.WaitForChangeAsync(query, version, cancellationToken);
}
