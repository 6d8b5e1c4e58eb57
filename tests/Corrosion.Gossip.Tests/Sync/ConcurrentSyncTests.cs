using System.Net;
using System.Reflection;
using Corrosion.Crdt;
using Corrosion.Gossip.Sync;
using Corrosion.Gossip.Transport;
using Corrosion.Gossip.Transport.Memory;
using Corrosion.TestKit;
using FluentAssertions;
using Xunit;

namespace Corrosion.Gossip.Tests.Sync;

/// <summary>
/// A node that pulls from one peer while another peer's sync session reaches it: the second session must not send
/// what the first is already sending (a new node joining a cluster received the whole database twice).
/// </summary>
public sealed class ConcurrentSyncTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_version_one_session_is_receiving_is_not_sent_again_by_a_concurrent_session()
    {
        using var timeout = new CancellationTokenSource(Deadline);
        await using var a = await NodeFactory.OpenAsync(_dir, "a", Schemas.Todos);
        await using var b = await NodeFactory.OpenAsync(_dir, "b", Schemas.Todos);
        await using var c = await NodeFactory.OpenAsync(_dir, "c", Schemas.Todos);
        for (var v = 0; v < 30; v++)
        {
            await a.ExecuteAsync([new Statement($"INSERT INTO todos (id, title) VALUES ('a-{v}', 't')")]);
        }

        for (var v = 1; v <= 30; v++)
        {
            await b.ApplyChangesetsAsync(await a.ReadChangesetsAsync(a.ActorId, v));
        }

        // C's applies wait at a gate, so its pull from A stays in flight while B's session reaches C.
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var applying = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cSync = new SyncSession(GatedApply.Wrap(c, gate.Task, applying));

        var network = new InMemoryNetwork(new Random(7));
        await using var aTransport = network.CreateTransport(new IPEndPoint(IPAddress.Loopback, 1001));
        await using var bTransport = network.CreateTransport(new IPEndPoint(IPAddress.Loopback, 1002));
        await using var cTransport = network.CreateTransport(new IPEndPoint(IPAddress.Loopback, 1003));
        var aServes = SyncServing.ServeOneAsync(aTransport, new SyncSession(a), timeout.Token);
        var cServes = SyncServing.ServeOneAsync(cTransport, cSync, timeout.Token);

        await using var cToA = await cTransport.ConnectAsync(aTransport.LocalEndPoint, timeout.Token);
        var cPull = cSync.RunAsClientAsync(cToA, timeout.Token);
        await applying.Task.WaitAsync(timeout.Token);

        await using var bToC = await bTransport.ConnectAsync(cTransport.LocalEndPoint, timeout.Token);
        var bSession = await new SyncSession(b).RunAsClientAsync(bToC, timeout.Token);
        bSession.ChangesetsSent.Should().Be(0, "C is already receiving A's 30 versions from A");

        gate.SetResult();
        (await cPull).ChangesetsReceived.Should().Be(30);
        await aServes;
        (await cServes).ChangesetsReceived.Should().Be(0);
        (await NodeQueries.RowsAsync(c, "SELECT count(*) FROM todos")).Should().Equal("30");
        (await c.GetSyncStateAsync()).Heads[a.ActorId].Should().Be(30);

        // With nothing in flight, C advertises what it really holds again.
        await b.ExecuteAsync(["INSERT INTO todos (id, title) VALUES ('b-1', 't')"]);
        var cServesAgain = SyncServing.ServeOneAsync(cTransport, cSync, timeout.Token);
        await using var bToCAgain = await bTransport.ConnectAsync(cTransport.LocalEndPoint, timeout.Token);
        (await new SyncSession(b).RunAsClientAsync(bToCAgain, timeout.Token)).ChangesetsSent.Should().Be(1, "B's own write");
        await cServesAgain;
    }

    /// <summary>Forwards every call to a node, except that applying changesets first waits for a gate.</summary>
    public class GatedApply : DispatchProxy
    {
        private ICorrosionNode _node = null!;
        private Task _gate = Task.CompletedTask;
        private TaskCompletionSource _reached = null!;

        public static ICorrosionNode Wrap(ICorrosionNode node, Task gate, TaskCompletionSource reached)
        {
            var proxy = Create<ICorrosionNode, GatedApply>();
            var gated = (GatedApply)(object)proxy;
            gated._node = node;
            gated._gate = gate;
            gated._reached = reached;
            return proxy;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            if (targetMethod!.Name == nameof(ICorrosionNode.ApplyChangesetsAsync))
            {
                return ApplyAfterGateAsync((IReadOnlyList<Changeset>)args![0]!, (CancellationToken)args[1]!);
            }

            try
            {
                return targetMethod.Invoke(_node, args);
            }
            catch (TargetInvocationException ex) when (ex.InnerException is not null)
            {
                throw ex.InnerException;
            }
        }

        private async Task<ApplyResult> ApplyAfterGateAsync(IReadOnlyList<Changeset> changesets, CancellationToken cancellationToken)
        {
            _reached.TrySetResult();
            await _gate.WaitAsync(cancellationToken);
            return await _node.ApplyChangesetsAsync(changesets, cancellationToken);
        }
    }
}
