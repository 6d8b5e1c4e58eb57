using Corrosion.Storage;
using Corrosion.TestKit;

namespace Corrosion.Core.Tests.Node;

/// <summary>A statement gets exactly as many positional parameters as it has placeholders, or is refused.</summary>
public sealed class ParameterCountTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_write_with_too_few_parameters_is_refused_and_commits_nothing()
    {
        await using var node = await NodeFactory.OpenAsync(_dir, "a", Schemas.Todos);

        var write = () => node.ExecuteAsync(
        [
            new Statement("INSERT INTO todos (id, title) VALUES ('first', 'kept only if the batch commits')"),
            new Statement("INSERT INTO todos (id, title, completed_at) VALUES (?, ?, ?)", [SqlValue.FromText("some-id"), SqlValue.FromText("title")]),
        ]);

        var failure = (await write.Should().ThrowAsync<StatementException>()).Which;
        failure.StatementIndex.Should().Be(1);
        failure.Reason.Should().Be("the statement takes 3 parameter(s) but 2 were given");
        (await NodeQueries.RowsAsync(node, "SELECT count(*) FROM todos")).Should().Equal(["0"], "the whole transaction is rolled back");
    }

    [Fact]
    public async Task A_query_with_too_few_parameters_is_refused()
    {
        await using var node = await NodeFactory.OpenAsync(_dir, "a", Schemas.Todos);

        var query = async () => { await using var result = await node.QueryAsync(new Statement("SELECT ?, ?", [SqlValue.FromInteger(1)])); };

        (await query.Should().ThrowAsync<StatementException>()).Which.Reason.Should().Be("the statement takes 2 parameter(s) but 1 were given");
    }

    [Fact]
    public async Task A_statement_without_parameters_given_but_with_a_placeholder_is_refused()
    {
        await using var node = await NodeFactory.OpenAsync(_dir, "a", Schemas.Todos);

        var query = async () => { await using var result = await node.QueryAsync(new Statement("SELECT * FROM todos WHERE id = ?")); };

        (await query.Should().ThrowAsync<StatementException>()).Which.Reason.Should().Be("the statement takes 1 parameter(s) but 0 were given");
    }
    [Fact]
    public async Task A_named_placeholder_without_any_values_is_named()
    {
        await using var node = await NodeFactory.OpenAsync(_dir, "a", Schemas.Todos);

        var write = () => node.ExecuteAsync([new Statement("INSERT INTO todos (id, title) VALUES (:id, :title)", new Dictionary<string, SqlValue>())]);

        (await write.Should().ThrowAsync<StatementException>()).Which.Reason.Should().Be("no value given for parameter ':id'");
    }
}
