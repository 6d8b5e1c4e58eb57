namespace Corrosion.Host.Config;

/// <summary>One thing wrong with a config file: where (1-based line, 0 when not from the file), which key, and what.</summary>
internal sealed record ConfigProblem(int Line, string? Key, string Message)
{
    public string Format(string source)
    {
        var where = Line > 0 ? $"config {source}:{Line}" : $"config {source}";
        return Key is null ? $"{where}: {Message}" : $"{where}: {Key}: {Message}";
    }
}
