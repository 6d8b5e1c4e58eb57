using Corrosion.Host.Logging;
using Corrosion.Host.Tests.Process;
using Microsoft.Extensions.Logging;

namespace Corrosion.Host.Tests.Logging;

public sealed class LogFilterTests
{
    [Fact]
    public void Directives_set_the_default_level_and_per_category_levels()
    {
        LogFilter.TryParse("info, Corrosion.Gossip=debug,Corrosion.CorrosionNode=off", out var filter, out var error).Should().BeTrue(error);

        filter.Default.Should().Be(LogLevel.Information);
        filter.Categories.Should().Equal(("Corrosion.Gossip", LogLevel.Debug), ("Corrosion.CorrosionNode", LogLevel.None));
    }

    [Theory]
    [InlineData("verbose", "'verbose': 'verbose' is not a level (trace, debug, info, warn, error, off)")]
    [InlineData("info,foca=loud", "'foca=loud': 'loud' is not a level (trace, debug, info, warn, error, off)")]
    [InlineData("=debug", "'=debug': the category before '=' is empty")]
    public void A_bad_directive_is_named(string text, string expected)
    {
        LogFilter.TryParse(text, out _, out var error).Should().BeFalse();
        error.Should().Be(expected);
    }

    [Fact]
    public async Task Rust_log_as_in_the_fly_example_filters_the_agents_log()
    {
        using var dir = new TempDir();
        var config = AgentProcessTests.WriteConfig(dir);
        await using var agent = CorrosionProcess.Start(dir.Path, new Dictionary<string, string> { ["RUST_LOG"] = "info,Corrosion.CorrosionNode=warn,Corrosion.Http=debug" }, "-c", config, "agent");
        var api = await AgentProcessTests.WaitForApiAsync(agent);

        var query = await CorrosionProcess.RunAsync(dir.Path, AgentProcessTests.Deadline, "--api-addr", api, "query", "SELECT 1");
        query.ExitCode.Should().Be(0, query.Err);
        await agent.WaitForLineAsync(" DEBUG Corrosion.Http", AgentProcessTests.Deadline);

        (await agent.TerminateAsync(AgentProcessTests.Deadline)).Should().Be(0);
        var lines = agent.Lines;
        lines.Should().Contain(l => l.Contains("INFO Corrosion.Host.Agent: Starting Corrosion Agent v", StringComparison.Ordinal), "info stays on for other categories");
        lines.Should().NotContain(l => l.Contains("Actor ID: ", StringComparison.Ordinal), "Corrosion.CorrosionNode is at warn:\n" + string.Join('\n', lines));
    }
}
