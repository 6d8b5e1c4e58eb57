using Microsoft.Extensions.DependencyInjection;

namespace Corrosion.DependencyInjection;

/// <summary>Returned by <c>AddCorrosion()</c> so that other parts (HTTP API, gossip) chain onto it.</summary>
public interface ICorrosionBuilder
{
    /// <summary>The service collection <c>AddCorrosion()</c> registered the node in.</summary>
    IServiceCollection Services { get; }
}

internal sealed class CorrosionBuilder(IServiceCollection services) : ICorrosionBuilder
{
    public IServiceCollection Services { get; } = services;
}
