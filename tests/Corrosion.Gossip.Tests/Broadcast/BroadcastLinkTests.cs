using System.Net;
using Corrosion.Gossip.Broadcast;
using Corrosion.Gossip.Transport;

namespace Corrosion.Gossip.Tests.Broadcast;

/// <summary>
/// A link shared by several senders (the local commits' sender and the forwarders of inbound broadcast streams) is
/// retired when a send to its peer fails, while others are still queued on it.
/// </summary>
public sealed class BroadcastLinkTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    private static readonly EndPoint Peer = new IPEndPoint(IPAddress.Loopback, 9);

    [Fact]
    public async Task Senders_queued_on_a_link_that_is_retired_give_up_instead_of_waiting_forever()
    {
        var transport = new StalledConnectTransport();
        var link = new BroadcastLink(Peer, TimeProvider.System, TimeSpan.FromSeconds(15));
        using var queued = new CancellationTokenSource();

        // The first send holds the link while it connects; two more queue behind it.
        var first = link.SendAsync(transport, [1], CancellationToken.None);
        await transport.ConnectStarted.Task.WaitAsync(Deadline);
        var second = link.SendAsync(transport, [2], queued.Token);
        var third = link.SendAsync(transport, [3], queued.Token);

        // The broadcaster retires the link as the first send fails (in production: after it failed; the order of the
        // two does not matter to the senders queued behind).
        var retired = link.DisposeAsync().AsTask();
        transport.FailConnect(new IOException("connection refused"));

        // Queued senders end: either they see the link retired or, at the latest, their own cancellation.
        await queued.CancelAsync();
        foreach (var send in new[] { second, third })
        {
            var outcome = await Task.WhenAny(send, Task.Delay(Deadline));
            outcome.Should().BeSameAs(send, "a sender queued on a retired link must not wait forever");
            send.Exception?.InnerException.Should().Match(e => e is ObjectDisposedException || e is OperationCanceledException);
        }

        (await Task.WhenAny(retired, Task.Delay(Deadline))).Should().BeSameAs(retired);
        await first.Invoking(t => t).Should().ThrowAsync<IOException>("the failing send reports its own failure");
        transport.Connects.Should().Be(1, "no sender opens a stream on a retired link");
    }

    /// <summary>A transport whose first connect hangs until the test fails it.</summary>
    private sealed class StalledConnectTransport : IPeerTransport
    {
        private readonly TaskCompletionSource<IPeerConnection> _connect = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _connects;

        public TaskCompletionSource ConnectStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Connects => Volatile.Read(ref _connects);

        public string Name => "stalled";

        public EndPoint LocalEndPoint { get; } = new IPEndPoint(IPAddress.Loopback, 8);

        public int MaxDatagramSize => 1200;

        public void FailConnect(Exception error) => _connect.SetException(error);

        public ValueTask<IPeerConnection> ConnectAsync(EndPoint destination, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _connects);
            ConnectStarted.TrySetResult();
            return new ValueTask<IPeerConnection>(_connect.Task);
        }

        public ValueTask SendDatagramAsync(EndPoint destination, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public IAsyncEnumerable<PeerDatagram> ReceiveDatagramsAsync(CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public IAsyncEnumerable<IPeerConnection> AcceptAsync(CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
