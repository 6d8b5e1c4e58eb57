using System.Globalization;

namespace Corrosion.Chaos;

/// <summary>What one chaos run does: how many agents, for how long, how often a fault strikes.</summary>
internal sealed record ChaosOptions
{
    public int Nodes { get; init; } = 5;

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(120);

    public int Seed { get; init; } = Environment.TickCount & int.MaxValue;

    /// <summary>Mean time between two faults (each one lands at a random point in [0.5, 1.5] of it).</summary>
    public TimeSpan FaultInterval { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>Concurrent clients, each sending one transaction at a time to a random node.</summary>
    public int Writers { get; init; } = 4;

    public TimeSpan ConvergeTimeout { get; init; } = TimeSpan.FromSeconds(180);

    /// <summary>The kinds of fault to draw from: kill, pause, restart.</summary>
    public IReadOnlyList<string> Faults { get; init; } = ["kill", "pause", "restart"];

    /// <summary>Clients following a subscription on a random node each, through its restarts.</summary>
    public int Subscribers { get; init; } = 2;

    /// <summary>Gossip over mutual TLS, with a CA and certificates made by <c>corrosion tls</c>.</summary>
    public bool Tls { get; init; }

    /// <summary>Keeps the agents' directories (databases, logs) after the run instead of deleting them.</summary>
    public bool Keep { get; init; }

    public const string Usage = """
        usage: dotnet run -c Release --project bench/Corrosion.Chaos -- [options]
          --nodes N               agents to run (default 5, at least 2)
          --duration SECONDS      how long writes and faults go on (default 120)
          --seed N                random seed, printed at the start so a run can be repeated (default: time)
          --fault-interval SECS   mean time between faults (default 4)
          --writers N             concurrent clients (default 4)
          --converge-timeout SECS how long the healed cluster gets to converge (default 180)
          --subscribers N         clients following /v1/subscriptions through restarts (default 2)
          --faults LIST           kinds of fault, comma-separated: kill,pause,restart (default all three)
          --tls                   gossip over mutual TLS (certificates from corrosion tls)
          --keep                  keep the agents' directories and logs
        """;

    /// <summary>Parses the command line; throws <see cref="ArgumentException"/> naming the bad option.</summary>
    public static ChaosOptions Parse(IReadOnlyList<string> args)
    {
        var options = new ChaosOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name is "--keep" or "--tls")
            {
                options = name == "--keep" ? options with { Keep = true } : options with { Tls = true };
                continue;
            }

            if (i + 1 >= args.Count)
            {
                throw new ArgumentException($"{name}: missing value");
            }

            var value = args[++i];
            int Number(int min) => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min
                ? n
                : throw new ArgumentException($"{name}: '{value}' is not a whole number of at least {min}");
            options = name switch
            {
                "--nodes" => options with { Nodes = Number(2) },
                "--duration" => options with { Duration = TimeSpan.FromSeconds(Number(1)) },
                "--seed" => options with { Seed = Number(0) },
                "--fault-interval" => options with { FaultInterval = TimeSpan.FromSeconds(Number(1)) },
                "--writers" => options with { Writers = Number(1) },
                "--subscribers" => options with { Subscribers = Number(0) },
                "--faults" => options with { Faults = ParseFaults(name, value) },
                "--converge-timeout" => options with { ConvergeTimeout = TimeSpan.FromSeconds(Number(1)) },
                _ => throw new ArgumentException($"unknown option {name}"),
            };
        }

        return options;
    }

    private static string[] ParseFaults(string name, string value)
    {
        string[] known = ["kill", "pause", "restart"];
        var faults = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var unknown = faults.Where(f => !known.Contains(f)).ToList();
        return unknown.Count > 0 || faults.Length == 0
            ? throw new ArgumentException($"{name}: '{value}' must list some of {string.Join(", ", known)}")
            : faults;
    }
}
