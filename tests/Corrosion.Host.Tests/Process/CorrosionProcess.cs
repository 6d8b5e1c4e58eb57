using System.Diagnostics;
using System.Text;

namespace Corrosion.Host.Tests.Process;

/// <summary>
/// Runs the real built <c>corrosion</c> executable (<c>dotnet corrosion.dll</c>, copied next to the tests) as a
/// child process. Every process started here is killed on dispose.
/// </summary>
internal sealed class CorrosionProcess : IAsyncDisposable
{
    private readonly System.Diagnostics.Process _process;
    private readonly List<string> _stdout = [];
    private readonly StringBuilder _stderr = new();
    private readonly object _gate = new();

    private CorrosionProcess(System.Diagnostics.Process process)
    {
        _process = process;
    }

    public static string DllPath => Path.Combine(AppContext.BaseDirectory, "corrosion.dll");

    public int Id => _process.Id;

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate)
            {
                return [.. _stdout];
            }
        }
    }

    public string Stderr
    {
        get
        {
            lock (_gate)
            {
                return _stderr.ToString();
            }
        }
    }

    public static CorrosionProcess Start(string workingDirectory, params string[] args) =>
        Start(workingDirectory, new Dictionary<string, string>(), args);

    /// <summary>Starts with extra environment variables.</summary>
    public static CorrosionProcess Start(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        info.ArgumentList.Add(DllPath);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        var process = new System.Diagnostics.Process { StartInfo = info };
        var wrapper = new CorrosionProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (wrapper._gate)
                {
                    wrapper._stdout.Add(e.Data);
                }
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (wrapper._gate)
                {
                    wrapper._stderr.Append(e.Data).Append('\n');
                }
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return wrapper;
    }

    /// <summary>Runs a command to completion (killed after <paramref name="timeout"/>); stdout as raw text.</summary>
    public static async Task<(int ExitCode, string Out, string Err)> RunAsync(string workingDirectory, TimeSpan timeout, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        info.ArgumentList.Add(DllPath);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

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
            throw new TimeoutException($"corrosion {string.Join(' ', args)} did not finish within {timeout}");
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Waits until a stdout line contains <paramref name="text"/>; returns that line.</summary>
    public async Task<string> WaitForLineAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var line = Lines.FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal));
            if (line is not null)
            {
                return line;
            }

            if (_process.HasExited)
            {
                await Task.Delay(100);
                line = Lines.FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal));
                return line ?? throw new InvalidOperationException(
                    $"corrosion exited with {_process.ExitCode} before logging '{text}'.\nstdout:\n{string.Join('\n', Lines)}\nstderr:\n{Stderr}");
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"no line with '{text}' within {timeout}.\nstdout:\n{string.Join('\n', Lines)}\nstderr:\n{Stderr}");
    }

    /// <summary>Sends SIGTERM (as systemd would; "INT" for Ctrl-C) and waits for the exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout, string signal = "TERM")
    {
        if (!_process.HasExited)
        {
            SendSignal(_process.Id, signal);
        }

        return await WaitForExitAsync(timeout);
    }

    /// <summary>Sends a signal without waiting for anything (e.g. "STOP" and "CONT" to freeze and thaw the agent).</summary>
    public void Signal(string signal) => SendSignal(_process.Id, signal);

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"corrosion did not exit within {timeout}.\nstdout:\n{string.Join('\n', Lines)}\nstderr:\n{Stderr}");
        }

        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }

    private static void SendSignal(int pid, string signal)
    {
        using var kill = System.Diagnostics.Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-" + signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture) }, UseShellExecute = false })!;
        kill.WaitForExit();
    }
}
