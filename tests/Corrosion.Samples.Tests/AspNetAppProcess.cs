using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Corrosion.Samples.Tests;

/// <summary>
/// An ASP.NET Core app run as its own process: started, its output collected, and its address taken from Kestrel's
/// "Now listening on" line (it is started with <c>--urls http://127.0.0.1:0</c>). Disposing kills it.
/// </summary>
public sealed partial class AspNetAppProcess : IAsyncDisposable
{
    private readonly List<string> _output = [];
    private readonly Process _process;
    private bool _started;

    private AspNetAppProcess(ProcessStartInfo startInfo)
    {
        _process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
    }

    /// <summary>The address the app listens on.</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>Starts the app and waits until it listens; fails with its output if it does not within <paramref name="deadline"/>.</summary>
    public static async Task<AspNetAppProcess> StartAsync(ProcessStartInfo startInfo, TimeSpan deadline, string what)
    {
        startInfo.RedirectStandardOutput = true;
        startInfo.RedirectStandardError = true;
        startInfo.UseShellExecute = false;
        var app = new AspNetAppProcess(startInfo);
        try
        {
            app.Address = await app.StartProcessAsync(deadline, what);
            return app;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    /// <summary>What the app has written so far, standard output and error, one line each.</summary>
    public IReadOnlyList<string> Lines()
    {
        lock (_output)
        {
            return [.. _output];
        }
    }

    public string Output() => string.Join('\n', Lines());

    /// <summary>
    /// Sends SIGTERM (what Ctrl-C, <c>docker stop</c> and systemd do) and waits up to <paramref name="deadline"/> for the
    /// app to exit; returns its exit code, or null if it is still running (it is killed on dispose).
    /// </summary>
    public async Task<int?> TerminateAsync(TimeSpan deadline)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(deadline);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
            return _process.ExitCode;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_started && !_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private async Task<Uri> StartProcessAsync(TimeSpan deadline, string what)
    {
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (_output)
            {
                _output.Add(e.Data);
            }

            if (ListeningOn().Match(e.Data) is { Success: true } match)
            {
                listening.TrySetResult(new Uri(match.Groups[1].Value));
            }
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_output)
                {
                    _output.Add(e.Data);
                }
            }
        };
        _process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException("it exited"));
        _started = _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        try
        {
            return await listening.Task.WaitAsync(deadline);
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            var reason = e is TimeoutException ? $"no 'Now listening on' within {deadline.TotalSeconds:0}s" : e.Message;
            throw new InvalidOperationException($"{what} did not start listening ({reason}); its output:\n{Output()}", e);
        }
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningOn();
}
