namespace Corrosion.Host.Config;

/// <summary>The config could not be used. The message lists every problem, one a line, each with key and line.</summary>
internal sealed class ConfigException : Exception
{
    public ConfigException(string message)
        : base(message)
    {
        Problems = [message];
    }

    public ConfigException(string message, Exception innerException)
        : base(message, innerException)
    {
        Problems = [message];
    }

    public ConfigException()
        : this("invalid config")
    {
    }

    internal ConfigException(IReadOnlyList<string> problems)
        : base(string.Join(Environment.NewLine, problems))
    {
        Problems = problems;
    }

    /// <summary>Each problem on its own, e.g. <c>config /etc/corrosion/config.toml:7: gossip.adr: unknown key</c>.</summary>
    public IReadOnlyList<string> Problems { get; }
}
