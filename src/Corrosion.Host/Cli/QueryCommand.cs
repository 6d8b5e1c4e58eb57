using System.CommandLine;
using System.Text.Json;

namespace Corrosion.Host.Cli;

/// <summary>
/// <c>corrosion query [--columns] [--timer] [--timeout S] [--param P]... &lt;QUERY&gt;</c>: streams
/// <c>/v1/queries</c> and prints each row as <c>a|b|c</c> as it arrives.
/// </summary>
internal static class QueryCommand
{
    public static Command Create(CliContext context)
    {
        var query = new Argument<string>("QUERY") { Description = "The SQL query" };
        CliValues.RefuseOptionLikeValues(query);
        var columns = new Option<bool>("--columns") { Description = "Print the column names first" };
        var timer = new Option<bool>("--timer") { Description = "Print how long the query took" };
        var timeout = CliValues.Seconds("--timeout", "Server-side timeout in seconds");
        var param = new Option<string[]>("--param") { Description = "A positional parameter (sent as a string); repeat for more", HelpName = "PARAM" };
        var command = new Command("query", "Query data from Corrosion w/ a SQL statement") { query, columns, timer, timeout, param };
        command.SetAction((result, cancellationToken) => RunAsync(
            context, result, result.GetValue(query)!, result.GetValue(param) ?? [], result.GetValue(columns), result.GetValue(timer), result.GetValue(timeout), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(
        CliContext context, ParseResult result, string sql, string[] parameters, bool columns, bool timer, ulong? timeout, CancellationToken cancellationToken)
    {
        var console = context.Console;
        if (!ApiTarget.TryResolve(context, result, "query", out var target))
        {
            return ExitCodes.Error;
        }

        using var client = new ApiClient(target.Addr, target.BearerToken);
        try
        {
            using var response = await client.QueryAsync(sql, parameters, timeout, cancellationToken);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
            var ended = false;
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }

                using var json = JsonDocument.Parse(line);
                var root = json.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }

                if (root.TryGetProperty("columns", out var names))
                {
                    if (columns)
                    {
                        console.WriteLine(string.Join('|', names.EnumerateArray().Select(n => n.GetString())));
                    }
                }
                else if (root.TryGetProperty("row", out var row))
                {
                    WriteRow(console, row);
                }
                else if (root.TryGetProperty("eoq", out var eoq))
                {
                    ended = true;
                    if (timer && eoq.TryGetProperty("time", out var time) && time.ValueKind == JsonValueKind.Number)
                    {
                        console.WriteLine("time: " + SqliteText.FormatSeconds(time.GetDouble()) + "s");
                    }
                }
                else if (root.TryGetProperty("error", out var error))
                {
                    console.Fail("query", error.ValueKind == JsonValueKind.String ? error.GetString()! : error.GetRawText());
                    return ExitCodes.Error;
                }
            }

            if (!ended)
            {
                console.Fail("query", "the result stream ended before the end of the query");
                return ExitCodes.Error;
            }

            return ExitCodes.Ok;
        }
        catch (ApiException ex)
        {
            console.Fail("query", ex.Message);
        }
        catch (HttpRequestException ex)
        {
            console.Fail("query", client.DescribeFailure(ex));
        }
        catch (IOException ex)
        {
            console.Fail("query", "the connection broke while reading rows: " + ex.Message);
        }
        catch (JsonException ex)
        {
            console.Fail("query", "the API sent an event that is not JSON: " + ex.Message);
        }

        return ExitCodes.Error;
    }

    /// <summary><c>{"row":[rowid,[cells]]}</c> as <c>a|b|c</c>.</summary>
    private static void WriteRow(CliConsole console, JsonElement row)
    {
        var cells = row.ValueKind == JsonValueKind.Array && row.GetArrayLength() == 2 ? row[1] : row;
        var first = true;
        foreach (var cell in cells.EnumerateArray())
        {
            if (!first)
            {
                console.Write("|");
            }

            SqliteText.WriteCell(console, cell);
            first = false;
        }

        console.EndLine();
    }
}
