using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Corrosion.Crdt;
using Corrosion.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Corrosion.Benchmarks;

/// <summary>
/// The HTTP API on real Kestrel (loopback) with a real HttpClient: 50,000 todos rows through /v1/transactions in
/// requests of 500 statements against raw SQLite writing the same rows in the same batches, measured right before
/// and after it; then a 100,000-row query streamed from /v1/queries (rows/s and time to first row); then one client
/// again with a change-feed reader attached, which is what a live peer or an open subscription makes the node do:
/// read every version back after its commit; then the same 50,000 rows sent by <see cref="ConcurrentClients"/>
/// clients at once (the single writer serializes them; parsing and responses overlap). <see cref="WarmUpRounds"/>
/// rounds of each are run and discarded first; each raw SQLite figure is the median of three passes.
/// </summary>
internal static class HttpBenchmark
{
    private const int Rows = 50_000;
    private const int Batch = 500;
    private const int QueryRows = 100_000;
    private const int ConcurrentClients = 4;
    private const int RawPasses = 3;

    // Tiered compilation keeps a core busy for several rounds (rejitting hot framework code with profile data);
    // what is measured is the agent after that, as it runs for days.
    private const int WarmUpRounds = 3;

    public static async Task RunAsync(int runs)
    {
        var raw = new List<double>();
        var http = new List<double>();
        var queryRates = new List<double>();
        var firstRows = new List<double>();
        var concurrent = new List<double>();
        var cpuPerThousand = new List<double>();
        var withReader = new List<double>();

        // Discarded rounds first, as BenchmarkDotNet warms up: the first requests JIT Kestrel, HttpClient and the
        // JSON stack, and tiered compilation optimizes hot code only after it has run a while.
        for (var round = 0; round < WarmUpRounds; round++)
        {
            RawSqlite();
            await HttpAsync(clients: 1);
            await HttpAsync(ConcurrentClients);
            await HttpAsync(clients: 1, feedReader: true);
        }

        var ratios = new List<double>();
        var readerRatios = new List<double>();
        for (var run = 0; run < runs; run++)
        {
            // This machine's speed drifts by half within seconds, so each HTTP run is compared with raw SQLite
            // measured right before and right after it, and the ratio is taken per run.
            var rawBefore = RawRate();
            var (writeRate, cpu, queryRate, firstRow) = await HttpAsync(clients: 1);
            var rawBetween = RawRate();
            var readerRate = (await HttpAsync(clients: 1, feedReader: true)).WriteRate;
            var rawAfter = RawRate();
            raw.Add((rawBefore + rawBetween) / 2);
            http.Add(writeRate);
            ratios.Add(writeRate / raw[^1]);
            withReader.Add(readerRate);
            readerRatios.Add(readerRate / ((rawBetween + rawAfter) / 2));
            cpuPerThousand.Add(cpu.TotalMilliseconds * 1000 / Rows);
            queryRates.Add(queryRate);
            firstRows.Add(firstRow);
            concurrent.Add((await HttpAsync(ConcurrentClients)).WriteRate);
            Console.WriteLine($"  run {run + 1}: raw {rawBefore:N0} / {rawBetween:N0} / {rawAfter:N0}, http {writeRate:N0} ({ratios[^1]:0.00}x), with a feed reader {readerRate:N0} ({readerRatios[^1]:0.00}x), {ConcurrentClients} clients {concurrent[^1]:N0} rows/s");
        }

        var rawMedian = Measure.Median(raw);
        var httpMedian = Measure.Median(http);
        Console.WriteLine($"http: {Rows} todos rows via POST /v1/transactions in requests of {Batch} statements, median of {runs} runs after {WarmUpRounds} warm-up rounds");
        Measure.Report("raw SQLite (same rows, same batches)", "rows/s", rawMedian);
        Measure.Report("POST /v1/transactions (Kestrel, HttpClient, loopback)", "rows/s", httpMedian);
        Console.WriteLine($"{"ratio http / raw (median of the per-run ratios)",-58} {Measure.Median(ratios),14:0.00}x");
        Console.WriteLine($"{"ratio of the medians",-58} {httpMedian / rawMedian,14:0.00}x");
        Console.WriteLine($"{"process CPU per 1,000 rows (server and client, 2 cores)",-58} {Measure.Median(cpuPerThousand),14:0.00} ms");
        var concurrentMedian = Measure.Median(concurrent);
        Measure.Report($"the same rows from {ConcurrentClients} clients at once", "rows/s", concurrentMedian);
        Console.WriteLine($"{$"ratio {ConcurrentClients} clients / 1 client",-58} {concurrentMedian / httpMedian,14:0.00}x");
        Measure.Report("one client, a change-feed reader attached", "rows/s", Measure.Median(withReader));
        Console.WriteLine($"{"ratio with a feed reader / raw (median of the per-run ratios)",-58} {Measure.Median(readerRatios),14:0.00}x");
        Console.WriteLine($"http: {QueryRows} rows streamed from POST /v1/queries, median of {runs} runs");
        Measure.Report("query streaming", "rows/s", Measure.Median(queryRates));
        Console.WriteLine($"{"time to first row",-58} {Measure.Median(firstRows),14:0.000} ms");
    }

    private static string Id(int n) => $"todo-{n:D8}";

    /// <summary>Raw SQLite's rows/s: it takes about 0.07 s, so one sync stall moves it by half; the median of three passes.</summary>
    private static double RawRate() => Measure.Median([.. Enumerable.Range(0, RawPasses).Select(_ => Rows / RawSqlite().TotalSeconds)]);

    private static TimeSpan RawSqlite()
    {
        var dir = Measure.Workspace();
        try
        {
            using var db = Measure.OpenRawTodos(dir);
            var started = Stopwatch.GetTimestamp();
            for (var b = 0; b < Rows / Batch; b++)
            {
                db.Execute("BEGIN");
                for (var i = 0; i < Batch; i++)
                {
                    var n = (b * Batch) + i;
                    db.Execute("INSERT INTO todos (id, title) VALUES (?, ?)", SqlValue.FromText(Id(n)), SqlValue.FromText($"todo number {n}"));
                }

                db.Execute("COMMIT");
            }

            return Stopwatch.GetElapsedTime(started);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    /// <param name="clients">Clients sending the write requests at once; the query is measured only with one.</param>
    /// <param name="feedReader">Attach a reader of the node's change feed that takes every commit, as a live peer's
    /// broadcast does; the query is not measured then.</param>
    private static async Task<(double WriteRate, TimeSpan Cpu, double QueryRate, double FirstRowMs)> HttpAsync(int clients, bool feedReader = false)
    {
        var dir = Measure.Workspace();
        try
        {
            var schema = Measure.WriteTodosSchema(dir);
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Services.AddCorrosion(o =>
            {
                o.DatabasePath = Path.Combine(dir, "node.db");
                o.SchemaPaths = [schema];
            }).AddHttpApi();
            await using var app = builder.Build();
            app.MapCorrosion();
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            using var client = new HttpClient { BaseAddress = new Uri(address) };
            using var feed = feedReader ? app.Services.GetRequiredService<ICorrosionNode>().Changes.Subscribe(64, BoundedChannelFullMode.DropOldest) : null;
            var changesRead = feed is null ? Task.FromResult(0L) : CountChangesAsync(feed.Reader);

            var bodies = Enumerable.Range(0, Rows / Batch).Select(b =>
            {
                var statements = Enumerable.Range(0, Batch).Select(i =>
                {
                    var n = (b * Batch) + i;
                    return new object[] { "INSERT INTO todos (id, title) VALUES (?, ?)", new object[] { Id(n), $"todo number {n}" } };
                });
                return JsonSerializer.SerializeToUtf8Bytes(statements);
            }).ToList();

            // Client c sends requests c, c + clients, ...: every client has its share from the start.
            using var process = Process.GetCurrentProcess();
            var cpuBefore = process.TotalProcessorTime;
            var started = Stopwatch.GetTimestamp();
            await Task.WhenAll(Enumerable.Range(0, clients).Select(async c =>
            {
                for (var b = c; b < bodies.Count; b += clients)
                {
                    using var content = new ByteArrayContent(bodies[b]);
                    content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                    using var response = await client.PostAsync("/v1/transactions", content);
                    response.EnsureSuccessStatusCode();
                }
            }));

            var writeRate = Rows / Stopwatch.GetElapsedTime(started).TotalSeconds;
            process.Refresh();
            var cpu = process.TotalProcessorTime - cpuBefore;
            if (clients > 1 || feed is not null)
            {
                await app.StopAsync();
                feed?.Dispose();
                if (feed is not null && await changesRead == 0)
                {
                    throw new InvalidOperationException("the change-feed reader received nothing");
                }

                return (writeRate, cpu, 0, 0);
            }

            // Top up to QueryRows rows for the streaming measurement.
            for (var b = Rows / Batch; b < QueryRows / Batch; b++)
            {
                var statements = Enumerable.Range(0, Batch).Select(i =>
                {
                    var n = (b * Batch) + i;
                    return new object[] { "INSERT INTO todos (id, title) VALUES (?, ?)", new object[] { Id(n), $"todo number {n}" } };
                });
                using var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(statements));
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                (await client.PostAsync("/v1/transactions", content)).EnsureSuccessStatusCode();
            }

            started = Stopwatch.GetTimestamp();
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/queries")
            {
                Content = new StringContent("\"SELECT id, title, completed_at FROM todos\"", Encoding.UTF8, "application/json"),
            };
            using var stream = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            stream.EnsureSuccessStatusCode();
            using var reader = new StreamReader(await stream.Content.ReadAsStreamAsync());
            double firstRowMs = 0;
            var rows = 0;
            while (await reader.ReadLineAsync() is { } line)
            {
                if (line.StartsWith("{\"row\"", StringComparison.Ordinal))
                {
                    if (rows++ == 0)
                    {
                        firstRowMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    }
                }
            }

            var queryRate = rows / Stopwatch.GetElapsedTime(started).TotalSeconds;
            if (rows != QueryRows)
            {
                throw new InvalidOperationException($"expected {QueryRows} rows, streamed {rows}");
            }

            await app.StopAsync();
            return (writeRate, cpu, queryRate, firstRowMs);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private static async Task<long> CountChangesAsync(ChannelReader<CommittedChanges> reader)
    {
        long changes = 0;
        await foreach (var committed in reader.ReadAllAsync())
        {
            changes += committed.Changeset.Changes.Count;
        }

        return changes;
    }
}
