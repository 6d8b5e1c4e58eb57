using Microsoft.Extensions.Options;

namespace Corrosion.Options;

/// <summary>Checks the storage settings at start; every problem names its config key.</summary>
internal sealed class CorrosionOptionsValidator : IValidateOptions<CorrosionOptions>
{
    public ValidateOptionsResult Validate(string? name, CorrosionOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.DatabasePath))
        {
            failures.Add("db.path: is required");
        }

        if (options.ReadConnections < 1)
        {
            failures.Add($"db.read_connections: must be at least 1, got {options.ReadConnections}");
        }

        if (options.MaxChangesPerChunk < 1)
        {
            failures.Add($"db.max_changes_per_chunk: must be at least 1, got {options.MaxChangesPerChunk}");
        }

        foreach (var path in options.SchemaPaths)
        {
            if (string.IsNullOrWhiteSpace(path))
            {
                failures.Add("db.schema_paths: contains an empty path");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
