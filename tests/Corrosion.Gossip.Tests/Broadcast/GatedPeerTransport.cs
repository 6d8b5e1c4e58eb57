using System.Net;
using Corrosion.Gossip.Transport;

namespace Corrosion.Gossip.Tests.Broadcast;

/// <summary>A transport whose outgoing stream connects wait until <see cref="Open"/>: sends hang as if the network stalled.</summary>
internal sealed class GatedPeerTransport(IPeerTransport inner) : IPeerTransport
{
    private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Name => inner.Name;

    public EndPoint LocalEndPoint => inner.LocalEndPoint;

    public int MaxDatagramSize => inner.MaxDatagramSize;

    public void Open() => _open.TrySetResult();

    public ValueTask SendDatagramAsync(EndPoint destination, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default) =>
        inner.SendDatagramAsync(destination, payload, cancellationToken);

    public IAsyncEnumerable<PeerDatagram> ReceiveDatagramsAsync(CancellationToken cancellationToken = default) =>
        inner.ReceiveDatagramsAsync(cancellationToken);

    public async ValueTask<IPeerConnection> ConnectAsync(EndPoint destination, CancellationToken cancellationToken = default)
    {
        await _open.Task.WaitAsync(cancellationToken);
        return await inner.ConnectAsync(destination, cancellationToken);
    }

    public IAsyncEnumerable<IPeerConnection> AcceptAsync(CancellationToken cancellationToken = default) => inner.AcceptAsync(cancellationToken);

    public ValueTask DisposeAsync()
    {
        _open.TrySetResult();
        return inner.DisposeAsync();
    }
}
