using System.Diagnostics;

namespace Corrosion.Host.Tests.Process;

/// <summary>The real <c>sqlite3</c> shell, run on a database file; killed if it outlives the deadline.</summary>
internal static class Sqlite3
{
    public static async Task<string> RunAsync(string db, string sql, TimeSpan timeout)
    {
        var info = new ProcessStartInfo("sqlite3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(db);
        info.ArgumentList.Add(sql);
        using var process = System.Diagnostics.Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"sqlite3 {db} '{sql}' did not finish within {timeout}");
        }

        process.ExitCode.Should().Be(0, await stderr);
        return await stdout;
    }
}
