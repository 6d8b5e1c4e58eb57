using System.Net;
using System.Runtime.CompilerServices;
using Corrosion.Gossip.Transport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Corrosion.Gossip.Membership.Tests;

public sealed class TransportFailureTests
{
    [Fact]
    public async Task A_transport_that_fails_to_receive_ends_the_run_with_its_error()
    {
        var transport = new BrokenTransport();
        var membership = new SwimMembership(transport, new SwimOptions(), ActorId.NewRandom(), new FakeTimeProvider(), new Random(1), NullLogger<SwimMembership>.Instance);
        using var cts = new CancellationTokenSource();
        var watch = Task.Run(async () =>
        {
            await foreach (var _ in membership.WatchAsync(cts.Token))
            {
            }
        });

        var act = () => membership.RunAsync(cts.Token).WaitAsync(TimeSpan.FromSeconds(10));

        (await act.Should().ThrowAsync<IOException>()).WithMessage("socket gone");
        await watch.WaitAsync(TimeSpan.FromSeconds(10)); // watchers end rather than hang
    }

    private sealed class BrokenTransport : IPeerTransport
    {
        public string Name => "broken";

        public EndPoint LocalEndPoint { get; } = new IPEndPoint(IPAddress.Loopback, 4001);

        public int MaxDatagramSize => 1178;

        public ValueTask SendDatagramAsync(EndPoint destination, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public async IAsyncEnumerable<PeerDatagram> ReceiveDatagramsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            throw new IOException("socket gone");
#pragma warning disable CS0162 // an iterator needs a yield
            yield break;
#pragma warning restore CS0162
        }

        public ValueTask<IPeerConnection> ConnectAsync(EndPoint destination, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public IAsyncEnumerable<IPeerConnection> AcceptAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
