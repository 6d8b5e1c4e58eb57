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

        if (options.SubscriptionRetention <= TimeSpan.Zero)
        {
            failures.Add($"db.subscription_retention: must be positive, got {options.SubscriptionRetention}");
        }

        if (options.SubscriptionHistoryLimit < 1)
        {
            failures.Add($"db.subscription_history_limit: must be at least 1, got {options.SubscriptionHistoryLimit}");
        }

        if (options.SubscriptionClientBufferSize < 1)
        {
            failures.Add($"db.subscription_client_buffer_size: must be at least 1, got {options.SubscriptionClientBufferSize}");
        }

        if (options.WalThresholdBytes < 0)
        {
            failures.Add($"perf.wal_threshold_mb: must not be negative, got {options.WalThresholdBytes / (1024 * 1024)}");
        }

        if (options.WalCheckInterval <= TimeSpan.Zero)
        {
            failures.Add($"db.wal_check_interval: must be positive, got {options.WalCheckInterval}");
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
