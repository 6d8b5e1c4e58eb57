using Corrosion.Chaos;

// Real agents, concurrent writers and faults (SIGKILL, SIGSTOP, restarts), then a convergence check. See
// docs/chaos.md. Exits 0 when every node converged with every acknowledged transaction, 1 when not, 2 on bad options.
ChaosOptions options;
try
{
    options = ChaosOptions.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine($"chaos: {ex.Message}");
    Console.Error.WriteLine(ChaosOptions.Usage);
    return 2;
}

return await new ChaosRun(options).RunAsync();
