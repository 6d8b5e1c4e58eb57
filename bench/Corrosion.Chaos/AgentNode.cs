using Corrosion.Host.Tests;
using Corrosion.Host.Tests.Process;

namespace Corrosion.Chaos;

/// <summary>How a node stands at the moment: serving, frozen by SIGSTOP, or not running.</summary>
internal enum NodeState
{
    Up,
    Paused,
    Down,
}

/// <summary>
/// One real <c>corrosion agent</c> process with fixed API and gossip ports, so that a restarted node comes back at
/// the address its peers know, as a deployed node would.
/// </summary>
internal sealed class AgentNode : IAsyncDisposable
{
    private readonly TempDir _dir;
    private readonly List<string> _pastLogs = [];
    private CorrosionProcess? _process;

    public AgentNode(TempDir dir, string name, string schema)
    {
        _dir = dir;
        Name = name;
        ApiPort = AgentProcesses.FreePort();
        GossipPort = AgentProcesses.FreePort();
        dir.Write($"{name}/schema/chaos.sql", schema);
    }

    public string Name { get; }

    public int ApiPort { get; }

    public int GossipPort { get; }

    public string GossipAddress => $"127.0.0.1:{GossipPort}";

    public NodeState State { get; private set; } = NodeState.Down;

    /// <summary>
    /// Writes the config with every other node as bootstrap, as an operator would; with <paramref name="pki"/>
    /// (a directory of <c>corrosion tls</c> output), gossip runs over mutual TLS.
    /// </summary>
    public void Configure(IEnumerable<AgentNode> peers, string? pki)
    {
        var bootstrap = string.Join(", ", peers.Where(p => p != this).Select(p => $"\"{p.GossipAddress}\""));
        var gossip = pki is null ? "plaintext = true" : AgentProcesses.MutualTlsSections(pki);
        AgentProcesses.WriteConfig(_dir, Name, ApiPort, $"bootstrap = [{bootstrap}]", GossipAddress, gossip);
    }

    public async Task StartAsync()
    {
        _process = CorrosionProcess.Start(_dir.Path, "-c", _dir.Combine(Name, "config.toml"), "agent");
        await AgentProcesses.WaitForApiAsync(_process);
        State = NodeState.Up;
    }

    /// <summary>SIGKILL: a crash, nothing flushed or said goodbye.</summary>
    public async Task KillAsync()
    {
        State = NodeState.Down;
        await _process!.TerminateAsync(AgentProcesses.Deadline, "KILL");
        await RetireProcessAsync();
    }

    /// <summary>SIGTERM: a clean stop, as systemd does on a restart.</summary>
    public async Task StopAsync()
    {
        State = NodeState.Down;
        var exit = await _process!.TerminateAsync(AgentProcesses.Deadline);
        if (exit != 0)
        {
            throw new InvalidOperationException($"{Name} exited with {exit} on SIGTERM:\n{_process.Stderr}");
        }

        await RetireProcessAsync();
    }

    /// <summary>SIGSTOP: the node freezes mid-whatever; to its peers it looks partitioned away.</summary>
    public void Pause()
    {
        _process!.Signal("STOP");
        State = NodeState.Paused;
    }

    public void Resume()
    {
        _process!.Signal("CONT");
        State = NodeState.Up;
    }

    /// <summary>Everything the node logged, across its restarts.</summary>
    public string Log() =>
        string.Join("\n", _pastLogs.Append(_process is null ? string.Empty : string.Join("\n", _process.Lines) + "\n" + _process.Stderr));

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            if (State == NodeState.Paused)
            {
                _process.Signal("CONT");
            }

            await RetireProcessAsync();
        }
    }

    private async Task RetireProcessAsync()
    {
        _pastLogs.Add(string.Join("\n", _process!.Lines) + "\n" + _process.Stderr);
        await _process.DisposeAsync();
        _process = null;
    }
}
