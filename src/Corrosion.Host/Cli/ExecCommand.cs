using System.CommandLine;
using System.Text.Json;
using Corrosion.Host.Config;

namespace Corrosion.Host.Cli;

/// <summary><c>corrosion exec [--param P]... [--timer] [--timeout S] &lt;QUERY&gt;</c>: one statement through <c>/v1/transactions</c>.</summary>
internal static class ExecCommand
{
    public static Command Create(CliContext context)
    {
        var query = new Argument<string>("QUERY") { Description = "The SQL statement" };
        CliValues.RefuseOptionLikeValues(query);
        var param = new Option<string[]>("--param") { Description = "A positional parameter (sent as a string); repeat for more", HelpName = "PARAM" };
        var timer = new Option<bool>("--timer") { Description = "Print how long the statement took" };
        var timeout = CliValues.Seconds("--timeout", "Server-side timeout in seconds");
        var command = new Command("exec", "Execute a SQL statement that mutates the state of Corrosion") { query, param, timer, timeout };
        command.SetAction((result, cancellationToken) => RunAsync(
            context, result, result.GetValue(query)!, result.GetValue(param) ?? [], result.GetValue(timer), result.GetValue(timeout), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, ParseResult result, string sql, string[] parameters, bool timer, ulong? timeout, CancellationToken cancellationToken)
    {
        var console = context.Console;
        if (!ApiTarget.TryResolve(context, result, "exec", out var target))
        {
            return ExitCodes.Error;
        }

        using var client = new ApiClient(target.Addr, target.BearerToken);
        try
        {
            using var response = await client.ExecuteAsync(sql, parameters, timeout, cancellationToken);
            var root = response.RootElement;
            if (ApiClient.FindError(root) is { } error)
            {
                console.Fail("exec", error);
                return ExitCodes.Error;
            }

            if (root.TryGetProperty("results", out var results) && results.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in results.EnumerateArray())
                {
                    if (item.TryGetProperty("rows_affected", out var rows))
                    {
                        console.WriteLine("INFO corrosion: Rows affected: " + rows.GetRawText());
                    }
                }
            }

            if (timer && root.TryGetProperty("time", out var time) && time.ValueKind == JsonValueKind.Number)
            {
                console.WriteLine("time: " + SqliteText.FormatSeconds(time.GetDouble()) + "s");
            }

            return ExitCodes.Ok;
        }
        catch (ApiException ex)
        {
            console.Fail("exec", ex.Message);
        }
        catch (HttpRequestException ex)
        {
            console.Fail("exec", client.DescribeFailure(ex));
        }

        return ExitCodes.Error;
    }
}
