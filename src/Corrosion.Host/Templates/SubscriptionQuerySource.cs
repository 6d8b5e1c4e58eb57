using Corrosion.Templates;
using Microsoft.Extensions.Logging;

namespace Corrosion.Host.Templates;

/// <summary>
/// Template data from the agent's HTTP API: each distinct <c>sql(...)</c> statement becomes one
/// <see cref="TemplateSubscription"/>, shared by every template and render that runs it.
/// </summary>
internal sealed class SubscriptionQuerySource : ITemplateQuerySource, IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly SubscriptionBackoff _backoff;
    private readonly Lock _gate = new();
    private readonly Dictionary<TemplateQuery, TemplateSubscription> _subscriptions = [];

    private readonly TimeSpan _idleTimeout;

    public SubscriptionQuerySource(HttpClient http, ILogger logger, TimeProvider? time = null, SubscriptionBackoff? backoff = null, TimeSpan? idleTimeout = null)
    {
        _http = http;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _backoff = backoff ?? SubscriptionBackoff.Default;
        _idleTimeout = idleTimeout ?? TimeSpan.FromMinutes(1);
    }

    public async ValueTask<TemplateQueryResult> QueryAsync(TemplateQuery query, CancellationToken cancellationToken = default)
    {
        TemplateSubscription subscription;
        List<TemplateSubscription> idle;
        lock (_gate)
        {
            if (!_subscriptions.TryGetValue(query, out subscription!))
            {
                subscription = new TemplateSubscription(_http, query, _logger, _time, _backoff);
                _subscriptions[query] = subscription;
                subscription.Start();
            }

            subscription.Touch();
            idle = TakeIdle();
        }

        foreach (var stale in idle)
        {
            await stale.DisposeAsync().ConfigureAwait(false);
        }

        try
        {
            await subscription.Ready.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (subscription.Ready.IsFaulted)
        {
            // A failed subscription is dropped so the next render subscribes again.
            lock (_gate)
            {
                if (_subscriptions.TryGetValue(query, out var current) && current == subscription)
                {
                    _subscriptions.Remove(query);
                }
            }

            await subscription.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return subscription.Snapshot();
    }

    public async ValueTask<long> WaitForChangeAsync(TemplateQuery query, long version, CancellationToken cancellationToken = default)
    {
        TemplateSubscription? subscription;
        lock (_gate)
        {
            _subscriptions.TryGetValue(query, out subscription);
        }

        if (subscription is null || !subscription.Ready.IsCompletedSuccessfully)
        {
            // The query failed last time (agent down, bad SQL): report a "change" after a while so the template is
            // rendered, and the query retried, again.
            await Task.Delay(_backoff.Max, _time, cancellationToken).ConfigureAwait(false);
            return version + 1;
        }

        return await subscription.WaitForChangeAsync(version, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Subscriptions no render has read and no renderer has watched for a while (a template whose queries depend on
    /// data may stop using some): closed so they do not stream forever.
    /// </summary>
    private List<TemplateSubscription> TakeIdle()
    {
        var idle = _subscriptions.Values.Where(s => !s.IsWatched && _time.GetElapsedTime(s.LastUsed) > _idleTimeout).ToList();
        foreach (var subscription in idle)
        {
            _subscriptions.Remove(subscription.Query);
        }

        return idle;
    }

    public async ValueTask DisposeAsync()
    {
        TemplateSubscription[] all;
        lock (_gate)
        {
            all = [.. _subscriptions.Values];
            _subscriptions.Clear();
        }

        foreach (var subscription in all)
        {
            await subscription.DisposeAsync().ConfigureAwait(false);
        }
    }
}
