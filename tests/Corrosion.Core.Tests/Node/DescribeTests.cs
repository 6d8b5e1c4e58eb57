using Corrosion.TestKit;

namespace Corrosion.Core.Tests.Node;

public sealed class DescribeTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Describe_reports_columns_with_declared_types_parameters_and_read_only_without_running()
    {
        await using var node = await NodeFactory.OpenAsync(_dir, "a", Schemas.Todos);

        var read = await node.DescribeAsync("SELECT id, title, completed_at, count(*) AS n FROM todos WHERE title = ?2 OR id = ?1");
        var write = await node.DescribeAsync("INSERT INTO todos (id, title) VALUES (?, ?)");

        read.Columns.Should().Equal(
            new ColumnDescription("id", "BLOB"),
            new ColumnDescription("title", "TEXT"),
            new ColumnDescription("completed_at", "INTEGER"),
            new ColumnDescription("n", null));
        read.ParameterCount.Should().Be(2);
        read.IsReadOnly.Should().BeTrue();
        write.Columns.Should().BeEmpty();
        write.ParameterCount.Should().Be(2);
        write.IsReadOnly.Should().BeFalse();
        (await NodeQueries.RowsAsync(node, "SELECT count(*) FROM todos")).Should().Equal(["0"], "describing a write does not run it");

        var bad = () => node.DescribeAsync("SELEC 1");
        (await bad.Should().ThrowAsync<StatementException>()).Which.Reason.Should().Contain("syntax error");
    }

    [Fact]
    public async Task A_query_exposes_the_declared_type_of_each_column()
    {
        await using var node = await NodeFactory.OpenAsync(_dir, "a", Schemas.Todos);

        await using var query = await node.QueryAsync("SELECT title, completed_at, 1 + 1 FROM todos");

        query.ColumnTypes.Should().Equal("TEXT", "INTEGER", null);
    }
}
