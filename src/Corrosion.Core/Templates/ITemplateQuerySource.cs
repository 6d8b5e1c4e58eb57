namespace Corrosion.Templates;

/// <summary>
/// Where a template's <c>sql(...)</c> calls get their data, and how the renderer learns that data changed. The CLI's
/// implementation subscribes through the agent's HTTP API; tests use an in-memory one.
/// </summary>
public interface ITemplateQuerySource
{
    /// <summary>The current result of <paramref name="query"/>. Errors (bad SQL, agent unreachable) throw; the engine reports them at the <c>sql(...)</c> call.</summary>
    ValueTask<TemplateQueryResult> QueryAsync(TemplateQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// Completes with the newer version once the result of <paramref name="query"/> has a version greater than
    /// <paramref name="version"/> (at once if it already has). Versions make this race-free: a change between
    /// <see cref="QueryAsync"/> and this call is not missed.
    /// </summary>
    ValueTask<long> WaitForChangeAsync(TemplateQuery query, long version, CancellationToken cancellationToken = default);
}
