namespace Corrosion.Host.Config;

/// <summary>
/// One thing wrong with a config: where (1-based line in the file; 0: not from one line; -n: from the n-th
/// environment variable applied), which key, and what.
/// </summary>
internal sealed record ConfigProblem(int Line, string? Key, string Message)
{
    public string Format(string source, IReadOnlyList<string>? environmentVariables = null)
    {
        var where = Line switch
        {
            > 0 => $"config {source}:{Line}",
            < 0 when environmentVariables is not null && -Line <= environmentVariables.Count => $"config {source}, environment variable {environmentVariables[-Line - 1]}",
            _ => $"config {source}",
        };
        return Key is null ? $"{where}: {Message}" : $"{where}: {Key}: {Message}";
    }
}
