using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Corrosion.Gossip.Membership.Tests;

public sealed class SwimOptionsTests
{
    [Fact]
    public void Defaults_are_the_reference_values_and_valid()
    {
        var options = new SwimOptions();
        options.ProbePeriod.Should().Be(TimeSpan.FromSeconds(5));
        options.ProbeRtt.Should().Be(TimeSpan.FromSeconds(3));
        options.NumIndirectProbes.Should().Be(3);
        options.MaxPacketSize.Should().Be(1178);
        options.GossipPeriod.Should().Be(TimeSpan.FromMilliseconds(500));
        options.GossipFanout.Should().Be(4);
        options.AnnouncePeriod.Should().Be(TimeSpan.FromSeconds(60));
        options.AnnounceFanout.Should().Be(2);
        options.RemoveDownAfter.Should().Be(TimeSpan.FromDays(2));
        new SwimOptionsValidator().Validate(null, options).Succeeded.Should().BeTrue();
    }

    [Theory]
    [InlineData(1, 30)] // max(1, log10 1) * 6 * 5 s
    [InlineData(10, 30)]
    [InlineData(100, 60)]
    [InlineData(1000, 90)]
    public void Suspicion_timeout_scales_with_log10_of_the_cluster_size(int n, int seconds)
    {
        new SwimOptions().SuspicionTimeout(n).Should().Be(TimeSpan.FromSeconds(seconds));
    }

    [Theory]
    [InlineData(1, 1)] // floor(4 * log10 2) = 1
    [InlineData(3, 2)] // floor(4 * log10 4) = 2
    [InlineData(9, 4)]
    [InlineData(99, 8)]
    public void Max_transmissions_is_floor_of_4_log10_n_plus_1(int n, int expected)
    {
        new SwimOptions().MaxTransmissions(n).Should().Be(expected);
    }

    [Fact]
    public void Invalid_options_are_all_reported_by_name()
    {
        var options = new SwimOptions
        {
            ProbePeriod = TimeSpan.FromSeconds(1),
            ProbeRtt = TimeSpan.FromSeconds(2),
            GossipPeriod = TimeSpan.Zero,
            NumIndirectProbes = -1,
            MaxPacketSize = 100,
            SuspicionMultiplier = double.NaN,
        };

        var result = new SwimOptionsValidator().Validate(null, options);

        result.Failed.Should().BeTrue();
        result.Failures.Should().HaveCount(5);
        result.FailureMessage.Should().ContainAll(
            "SwimOptions.ProbeRtt", "SwimOptions.GossipPeriod", "SwimOptions.NumIndirectProbes", "SwimOptions.MaxPacketSize", "SwimOptions.SuspicionMultiplier");
    }

    [Fact]
    public async Task Start_fails_with_invalid_options()
    {
        var network = new TestDatagramNetwork();
        await using var transport = network.Attach(new IPEndPoint(IPAddress.Loopback, 4001));
        var membership = new SwimMembership(
            transport,
            new SwimOptions { ProbeRtt = TimeSpan.FromSeconds(10) },
            ActorId.NewRandom(),
            new FakeTimeProvider(),
            new Random(1),
            NullLogger<SwimMembership>.Instance);

        var act = () => membership.StartAsync();
        (await act.Should().ThrowAsync<OptionsValidationException>()).Which.Message.Should().Contain("SwimOptions.ProbeRtt");
    }

    [Fact]
    public async Task Start_fails_when_the_transport_datagrams_are_too_small_for_swim()
    {
        var network = new TestDatagramNetwork();
        await using var transport = network.Attach(new IPEndPoint(IPAddress.Loopback, 4001), maxDatagramSize: 120);
        var membership = new SwimMembership(
            transport,
            new SwimOptions(),
            ActorId.NewRandom(),
            new FakeTimeProvider(),
            new Random(1),
            NullLogger<SwimMembership>.Instance);

        var act = () => membership.StartAsync();
        (await act.Should().ThrowAsync<OptionsValidationException>()).Which.Message.Should().Contain("SwimOptions.MaxPacketSize").And.Contain("120");
    }
}
