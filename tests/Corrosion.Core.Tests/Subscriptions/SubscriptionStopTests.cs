using Corrosion.Subscriptions;
using Corrosion.TestKit;

namespace Corrosion.Core.Tests.Subscriptions;

/// <summary>
/// When the node begins to stop, in-process subscription streams end cleanly: an enumeration finishes after the
/// events already queued, with no error event, and an observer gets OnCompleted rather than OnError.
/// </summary>
public sealed class SubscriptionStopTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    private readonly TempDirectory _dir = new("corrosion-subs-stop");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Disposing_the_node_ends_an_enumerated_subscription_without_an_error_event()
    {
        var node = await NodeFactory.OpenAsync(_dir, "a", Schemas.Todos);
        await using var live = await node.SubscribeAsync("SELECT id, title FROM todos");
        await using var events = live.GetAsyncEnumerator();
        var seen = new List<SubscriptionEvent>();
        while (seen.LastOrDefault() is not SubscriptionEvent.EndOfQuery)
        {
            (await events.MoveNextAsync().AsTask().WaitAsync(Deadline)).Should().BeTrue();
            seen.Add(events.Current);
        }

        await node.ExecuteAsync(["INSERT INTO todos (id, title) VALUES (x'01', 'queued')"]);
        await node.DisposeAsync();

        var rest = new List<SubscriptionEvent>();
        while (await events.MoveNextAsync().AsTask().WaitAsync(Deadline))
        {
            rest.Add(events.Current);
        }

        rest.Should().NotContain(e => e is SubscriptionEvent.Error, "a stop is not an error: the client resumes with from= later");
    }

    [Fact]
    public async Task Disposing_the_node_completes_an_observer()
    {
        var node = await NodeFactory.OpenAsync(_dir, "a", Schemas.Todos);
        await using var live = await node.SubscribeAsync("SELECT id, title FROM todos");
        var completed = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var errors = 0;
        using var pump = live.Subscribe(new Observer(e => errors += e is SubscriptionEvent.Error ? 1 : 0, completed));

        await node.DisposeAsync();

        (await completed.Task.WaitAsync(Deadline)).Should().Be("completed");
        errors.Should().Be(0);
    }

    private sealed class Observer(Action<SubscriptionEvent> next, TaskCompletionSource<string> done) : IObserver<SubscriptionEvent>
    {
        public void OnNext(SubscriptionEvent value) => next(value);

        public void OnCompleted() => done.TrySetResult("completed");

        public void OnError(Exception error) => done.TrySetResult("error: " + error.Message);
    }
}
