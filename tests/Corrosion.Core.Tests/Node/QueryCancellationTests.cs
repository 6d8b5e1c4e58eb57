using Corrosion.TestKit;

namespace Corrosion.Core.Tests.Node;

public sealed class QueryCancellationTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_long_query_is_interrupted_when_cancelled_and_the_reader_is_reusable()
    {
        await using var node = await NodeFactory.OpenAsync(_dir, "a", Schemas.Todos);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        const string endless = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n";
        var act = () => node.QueryAsync(endless, cts.Token);
        await act.Should().ThrowAsync<OperationCanceledException>();

        await using var query = await node.QueryAsync("SELECT 42");
        (await query.ReadRowsAsync().SingleAsync()).Values[0].AsInteger.Should().Be(42);
    }

    [Fact]
    public async Task Rows_stream_one_at_a_time_and_a_mid_stream_error_is_reported()
    {
        await using var node = await NodeFactory.OpenAsync(_dir, "a", Schemas.Todos);
        await using var query = await node.QueryAsync("SELECT CASE WHEN value < 3 THEN value ELSE abs(-9223372036854775807 - 1) END FROM (WITH RECURSIVE s(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM s WHERE value < 5) SELECT value FROM s)");
        var seen = new List<long>();
        var act = async () =>
        {
            await foreach (var row in query.ReadRowsAsync())
            {
                seen.Add(row.Values[0].AsInteger);
            }
        };
        (await act.Should().ThrowAsync<StatementException>()).Which.Message.Should().Contain("integer overflow");
        seen.Should().Equal(1, 2);
    }
}
