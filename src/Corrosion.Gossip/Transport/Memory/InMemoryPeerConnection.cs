using System.IO.Pipelines;
using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace Corrosion.Gossip.Transport.Memory;

/// <summary>One side of an in-memory stream.</summary>
internal sealed class InMemoryPeerConnection(EndPoint remoteEndPoint, IDuplexPipe transport) : IPeerConnection
{
    public EndPoint RemoteEndPoint { get; } = remoteEndPoint;

    public X509Certificate2? RemoteCertificate => null;

    public IDuplexPipe Transport { get; } = transport;

    public async ValueTask DisposeAsync()
    {
        await Transport.Output.CompleteAsync().ConfigureAwait(false);
        await Transport.Input.CompleteAsync().ConfigureAwait(false);
    }
}
