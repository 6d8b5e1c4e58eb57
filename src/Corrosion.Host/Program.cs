using Corrosion.Host.Cli;

return await CorrosionCli.RunAsync(args, new CliContext(CliConsole.Standard()));
