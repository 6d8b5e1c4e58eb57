using System.Runtime.CompilerServices;
using System.Text;
using Corrosion;
using Corrosion.Storage;
using Corrosion.Subscriptions;

// An ASP.NET app that embeds a Corrosion node: its own /todos endpoints go through ICorrosionNode in-process,
// and app.MapCorrosion() also serves Corrosion's /v1 API for other clients (corrosion exec/query, curl);
// app.MapCorrosionMetrics() serves the node's Prometheus metrics at /metrics.
var builder = WebApplication.CreateBuilder(args);
var dataDirectory = builder.Configuration["DataDirectory"] ?? Path.Combine(AppContext.BaseDirectory, "data");

builder.Services
    .AddCorrosion(options =>
    {
        options.DatabasePath = Path.Combine(dataDirectory, "todos.db");
        options.SchemaPaths = [Path.Combine(AppContext.BaseDirectory, "schema")];
    })
    .AddHttpApi();
builder.Services.AddCorrosionMetrics();

var app = builder.Build();
app.MapCorrosion();
app.MapCorrosionMetrics();

app.MapGet("/todos", async (ICorrosionNode node, CancellationToken cancellationToken) =>
{
    await using var query = await node.QueryAsync("SELECT id, title, completed_at FROM todos ORDER BY title", cancellationToken);
    var todos = new List<Todo>();
    await foreach (var row in query.ReadRowsAsync(cancellationToken))
    {
        todos.Add(new Todo(Encoding.UTF8.GetString(row.Values[0].AsBlob), row.Values[1].AsText, row.Values[2].IsNull ? null : row.Values[2].AsInteger));
    }

    return Results.Ok(todos);
});

app.MapPost("/todos", async (NewTodo todo, ICorrosionNode node, CancellationToken cancellationToken) =>
{
    var id = Guid.NewGuid().ToString("N");
    var result = await node.ExecuteAsync(
        [new Statement("INSERT INTO todos (id, title) VALUES (?, ?)", [SqlValue.FromBlob(Encoding.UTF8.GetBytes(id)), SqlValue.FromText(todo.Title)])],
        cancellationToken);
    return Results.Created($"/todos/{id}", new { id, version = result.Version });
});

app.MapPost("/todos/{id}/complete", async (string id, ICorrosionNode node, TimeProvider time, CancellationToken cancellationToken) =>
{
    var result = await node.ExecuteAsync(
        [new Statement("UPDATE todos SET completed_at = ? WHERE id = ?", [SqlValue.FromInteger(time.GetUtcNow().ToUnixTimeSeconds()), SqlValue.FromBlob(Encoding.UTF8.GetBytes(id))])],
        cancellationToken);
    return result.Results[0].RowsAffected == 0 ? Results.NotFound() : Results.NoContent();
});

// Live todos as server-sent events: the current rows, then every insert/update/delete, from an in-process
// subscription (the same one /v1/subscriptions serves). Writes on other nodes of the cluster show up here too.
// When the app starts stopping the node ends the subscription, so the response ends and Kestrel need not wait for it.
app.MapGet("/todos/live", (ICorrosionNode node, CancellationToken requestAborted) =>
    TypedResults.ServerSentEvents(LiveTodosAsync(node, requestAborted)));

app.Run();

static async IAsyncEnumerable<TodoEvent> LiveTodosAsync(ICorrosionNode node, [EnumeratorCancellation] CancellationToken cancellationToken)
{
    await using var live = await node.SubscribeAsync("SELECT id, title, completed_at FROM todos", cancellationToken: cancellationToken);
    await foreach (var e in live.WithCancellation(cancellationToken))
    {
        switch (e)
        {
            case SubscriptionEvent.Row row:
                yield return TodoEvent.From("row", row.RowId, row.Cells);
                break;
            case SubscriptionEvent.Change change:
                yield return TodoEvent.From(change.Kind.ToString().ToLowerInvariant(), change.RowId, change.Cells);
                break;
            case SubscriptionEvent.Error error:
                throw new InvalidOperationException(error.Message);
        }
    }
}

internal sealed record Todo(string Id, string Title, long? CompletedAt);

internal sealed record NewTodo(string Title);

internal sealed record TodoEvent(string Kind, long RowId, Todo Todo)
{
    public static TodoEvent From(string kind, long rowId, IReadOnlyList<SqlValue> cells) =>
        new(kind, rowId, new Todo(Encoding.UTF8.GetString(cells[0].AsBlob), cells[1].AsText, cells[2].IsNull ? null : cells[2].AsInteger));
}
