namespace Corrosion.Host.Config;

/// <summary><c>gossip.compression</c>: zstd for peer payloads.</summary>
internal sealed class CompressionConfig
{
    public bool Enabled { get; set; }

    /// <summary>zstd level, 1..=22. Default 3.</summary>
    public int Level { get; set; } = 3;

    public string? DictDir { get; set; }

    /// <summary>Needs <see cref="DictDir"/>.</summary>
    public string? DictFile { get; set; }
}
