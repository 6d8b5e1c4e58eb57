using System.IO.Pipelines;

namespace Corrosion.Gossip.Transport;

/// <summary>A reader and a writer that together make one side of a connection.</summary>
internal sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
{
    public PipeReader Input { get; } = input;

    public PipeWriter Output { get; } = output;
}
