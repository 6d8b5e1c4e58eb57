using Corrosion.Gossip.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Corrosion.Gossip.Tests;

/// <summary><c>AddGossip()</c> as an app calls it: options from code or configuration, checked before anything starts.</summary>
public sealed class GossipRegistrationTests
{
    [Fact]
    public void Invalid_gossip_options_fail_the_startup_validation_naming_each_key()
    {
        var services = new ServiceCollection();
        services.AddCorrosion(o => o.DatabasePath = "unused.db").AddGossip(o =>
        {
            o.Transport.Addr = "not-an-address";
            o.Swim.ProbePeriod = TimeSpan.Zero;
            o.MinSyncBackoff = TimeSpan.FromSeconds(20);
            o.Broadcast.Fanout = 0;
        });
        using var provider = services.BuildServiceProvider();

        // The host runs IStartupValidator before any hosted service starts: before the node opens its database.
        var act = () => provider.GetRequiredService<IStartupValidator>().Validate();

        var failures = act.Should().Throw<OptionsValidationException>().Which.Failures;
        failures.Should().Contain("gossip.addr: 'not-an-address' is not ip:port");
        failures.Should().Contain(f => f.StartsWith("SwimOptions.ProbePeriod: must be positive", StringComparison.Ordinal));
        failures.Should().Contain("GossipOptions.MinSyncBackoff (perf.min_sync_backoff): 00:00:20 is greater than MaxSyncBackoff (00:00:15)");
        failures.Should().Contain("GossipOptions.Broadcast.Fanout: must be at least 1, got 0");
    }

    [Fact]
    public void AddGossip_without_a_configure_action_takes_options_configured_elsewhere()
    {
        var services = new ServiceCollection();
        services.Configure<GossipOptions>(o =>
        {
            o.Transport.Addr = "127.0.0.1:0";
            o.Transport.Plaintext = true;
        });
        services.AddCorrosion(o => o.DatabasePath = "unused.db").AddGossip().AddGossip();
        using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<IStartupValidator>().Validate();
        provider.GetRequiredService<IOptions<GossipOptions>>().Value.Transport.Addr.Should().Be("127.0.0.1:0");
        services.Count(d => d.ImplementationType == typeof(GossipOptionsValidator)).Should().Be(1);
    }

    [Fact]
    public void A_missing_gossip_address_is_reported_at_start()
    {
        var services = new ServiceCollection();
        services.AddCorrosion(o => o.DatabasePath = "unused.db").AddGossip();
        using var provider = services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<IStartupValidator>().Validate();

        act.Should().Throw<OptionsValidationException>().Which.Failures.Should().Contain("gossip.addr: is required");
    }
}
