using Microsoft.Extensions.Options;

namespace Corrosion.Options;

/// <summary>
/// Checks the storage settings at start. Every problem names the <see cref="CorrosionOptions"/> property an app sets,
/// followed by the agent's config key where the agent's TOML has one (<c>db.path</c>, <c>db.schema_paths</c>,
/// <c>perf.wal_threshold_mb</c>).
/// </summary>
internal sealed class CorrosionOptionsValidator : IValidateOptions<CorrosionOptions>
{
    public ValidateOptionsResult Validate(string? name, CorrosionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.DatabasePath))
        {
            failures.Add("CorrosionOptions.DatabasePath (db.path): is required");
        }

        if (options.SchemaPaths.Any(string.IsNullOrWhiteSpace))
        {
            failures.Add("CorrosionOptions.SchemaPaths (db.schema_paths): contains an empty path");
        }

        if (options.ReadConnections < 1)
        {
            failures.Add($"CorrosionOptions.ReadConnections: must be at least 1, got {options.ReadConnections}");
        }

        if (options.MaxChangesPerChunk < 1)
        {
            failures.Add($"CorrosionOptions.MaxChangesPerChunk: must be at least 1, got {options.MaxChangesPerChunk}");
        }

        if (options.SubscriptionRetention <= TimeSpan.Zero)
        {
            failures.Add($"CorrosionOptions.SubscriptionRetention: must be positive, got {options.SubscriptionRetention}");
        }

        if (options.SubscriptionHistoryLimit < 1)
        {
            failures.Add($"CorrosionOptions.SubscriptionHistoryLimit: must be at least 1, got {options.SubscriptionHistoryLimit}");
        }

        if (options.SubscriptionClientBufferSize < 1)
        {
            failures.Add($"CorrosionOptions.SubscriptionClientBufferSize: must be at least 1, got {options.SubscriptionClientBufferSize}");
        }

        if (options.BusyTimeout < TimeSpan.Zero)
        {
            failures.Add($"CorrosionOptions.BusyTimeout: must not be negative, got {options.BusyTimeout}");
        }

        if (options.WalThresholdBytes < 0)
        {
            failures.Add($"CorrosionOptions.WalThresholdBytes (perf.wal_threshold_mb): must not be negative, got {options.WalThresholdBytes}");
        }

        if (options.WalCheckInterval <= TimeSpan.Zero)
        {
            failures.Add($"CorrosionOptions.WalCheckInterval: must be positive, got {options.WalCheckInterval}");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
