using Corrosion.Options;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Corrosion.Core.Tests.Options;

/// <summary>
/// What an app that calls <c>AddCorrosion()</c> sees for bad options: one failure per problem, naming the
/// <see cref="CorrosionOptions"/> property it set (and the agent's TOML key where there is one).
/// </summary>
public sealed class CorrosionOptionsValidatorTests
{
    [Fact]
    public void Every_failure_names_the_options_property_an_app_sets()
    {
        var options = new CorrosionOptions
        {
            DatabasePath = " ",
            SchemaPaths = ["schema", ""],
            ReadConnections = 0,
            MaxChangesPerChunk = 0,
            SubscriptionRetention = TimeSpan.Zero,
            SubscriptionHistoryLimit = 0,
            SubscriptionClientBufferSize = 0,
            WalThresholdBytes = -1,
            WalCheckInterval = TimeSpan.Zero,
            BusyTimeout = TimeSpan.FromSeconds(-1),
        };

        var result = new CorrosionOptionsValidator().Validate(Microsoft.Extensions.Options.Options.DefaultName, options);

        result.Failures.Should().Equal(
            "CorrosionOptions.DatabasePath (db.path): is required",
            "CorrosionOptions.SchemaPaths (db.schema_paths): contains an empty path",
            "CorrosionOptions.ReadConnections: must be at least 1, got 0",
            "CorrosionOptions.MaxChangesPerChunk: must be at least 1, got 0",
            "CorrosionOptions.SubscriptionRetention: must be positive, got 00:00:00",
            "CorrosionOptions.SubscriptionHistoryLimit: must be at least 1, got 0",
            "CorrosionOptions.SubscriptionClientBufferSize: must be at least 1, got 0",
            "CorrosionOptions.BusyTimeout: must not be negative, got -00:00:01",
            "CorrosionOptions.WalThresholdBytes (perf.wal_threshold_mb): must not be negative, got -1",
            "CorrosionOptions.WalCheckInterval: must be positive, got 00:00:00");
    }

    [Fact]
    public void The_defaults_with_a_database_path_are_valid()
    {
        var result = new CorrosionOptionsValidator().Validate(null, new CorrosionOptions { DatabasePath = "state.db" });

        result.Succeeded.Should().BeTrue(result.FailureMessage);
    }

    [Fact]
    public void AddCorrosion_validates_on_start_so_a_negative_busy_timeout_stops_the_host_before_the_database_opens()
    {
        var services = new ServiceCollection();
        services.AddCorrosion(o =>
        {
            o.DatabasePath = "unused.db";
            o.BusyTimeout = TimeSpan.FromMilliseconds(-5);
        });
        using var provider = services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<IStartupValidator>().Validate();

        act.Should().Throw<OptionsValidationException>().Which.Failures
            .Should().Equal("CorrosionOptions.BusyTimeout: must not be negative, got -00:00:00.0050000");
    }

    [Fact]
    public async Task OpenAsync_without_dependency_injection_checks_every_option_too()
    {
        var act = () => CorrosionNode.OpenAsync(new CorrosionOptions { ReadConnections = 0 });

        (await act.Should().ThrowAsync<OptionsValidationException>()).Which.Failures.Should().Equal(
            "CorrosionOptions.DatabasePath (db.path): is required", "CorrosionOptions.ReadConnections: must be at least 1, got 0");
    }
}
