using Corrosion.Options;
using Corrosion.TestKit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Corrosion.Core.Tests.Node;

/// <summary>What a caller is told when it uses a node that is not open: not yet started, or already closed.</summary>
public sealed class NodeLifecycleTests : IDisposable
{
    private readonly TempDirectory _dir = new("corrosion-lifecycle");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_node_resolved_from_DI_before_the_host_starts_says_how_it_gets_opened()
    {
        var services = new ServiceCollection();
        services.AddCorrosion(o => o.DatabasePath = _dir.Combine("state.db"));
        await using var provider = services.BuildServiceProvider();
        var node = provider.GetRequiredService<ICorrosionNode>();

        var execute = () => node.ExecuteAsync(["SELECT 1"]);
        var subscribe = () => node.SubscribeAsync("SELECT 1");

        (await execute.Should().ThrowExactlyAsync<InvalidOperationException>()).Which.Message.Should().Be(
            "the Corrosion node is not started: it opens when the host starts (AddCorrosion() registers the hosted service that opens it), or open one without a host with CorrosionNode.OpenAsync()");
        await subscribe.Should().ThrowExactlyAsync<InvalidOperationException>();
    }

    [Fact]
    public async Task A_closed_node_throws_ObjectDisposedException_rather_than_saying_it_never_started()
    {
        var node = await CorrosionNode.OpenAsync(new CorrosionOptions { DatabasePath = _dir.Combine("state.db") });
        await node.DisposeAsync();

        var execute = () => node.ExecuteAsync(["SELECT 1"]);
        var subscribe = () => node.SubscribeAsync("SELECT 1");
        var list = () => node.ListSubscriptions();

        (await execute.Should().ThrowAsync<ObjectDisposedException>()).Which.Message.Should().StartWith("the Corrosion node is closed");
        await subscribe.Should().ThrowAsync<ObjectDisposedException>();
        list.Should().Throw<ObjectDisposedException>();
    }

    [Fact]
    public async Task A_node_whose_schema_is_refused_at_open_logs_the_database_closed_after_opened()
    {
        // The open failed after "Opened database" with nothing after it, as if the file were still held. The schema
        // is refused only against the database's current one, so the database is opened first.
        var v1 = _dir.WriteFile("v1/t.sql", "CREATE TABLE t (id INTEGER NOT NULL PRIMARY KEY, x INTEGER);");
        await (await CorrosionNode.OpenAsync(new CorrosionOptions { DatabasePath = _dir.Combine("state.db"), SchemaPaths = [v1] })).DisposeAsync();
        var schema = _dir.WriteFile("v2/t.sql", "CREATE TABLE t (id INTEGER NOT NULL PRIMARY KEY, x TEXT);");
        using var logs = new ListLoggerProvider();
        var open = () => CorrosionNode.OpenAsync(new CorrosionOptions { DatabasePath = _dir.Combine("state.db"), SchemaPaths = [schema] }, logs);

        await open.Should().ThrowAsync<SchemaException>();
        var events = logs.Entries.Select(e => e.EventId.Name).Where(n => n is "DatabaseOpened" or "NodeClosed");
        events.Should().Equal("DatabaseOpened", "NodeClosed");
    }
}
