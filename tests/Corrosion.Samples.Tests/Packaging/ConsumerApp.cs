using System.Diagnostics;
using System.Text.RegularExpressions;
using Corrosion.TestKit;

namespace Corrosion.Samples.Tests.Packaging;

/// <summary>
/// A fresh ASP.NET Core app that installs <c>Corrosion.Http</c> by version from the packed feed (plus the machine's
/// configured NuGet sources), built and run as its own process on a port the OS picks. Every event of its
/// in-process subscription is written to stdout as a line starting with <see cref="SubscriptionPrefix"/>.
/// </summary>
public sealed partial class ConsumerApp : IAsyncDisposable
{
    public const string SubscriptionPrefix = "consumer-subscription: ";

    private static readonly TimeSpan BuildDeadline = TimeSpan.FromMinutes(4);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private readonly List<string> _output = [];
    private readonly Process _process;
    private bool _started;

    private ConsumerApp(Process process, string binDirectory)
    {
        _process = process;
        BinDirectory = binDirectory;
    }

    /// <summary>The built app's output folder.</summary>
    public string BinDirectory { get; }

    public HttpClient Client { get; private set; } = null!;

    /// <summary>Writes the app into a new folder under the packages' scratch folder, builds it and starts it.</summary>
    public static async Task<ConsumerApp> StartAsync(PackedLibraries packages)
    {
        var root = packages.Root.Combine($"consumer-{Guid.NewGuid():N}");
        var project = Path.Combine(root, "app");
        Write(Path.Combine(root, "nuget.config"), NuGetConfig(packages.Feed));
        // Stop MSBuild's search for Directory.*.props above the temp folder: the app sees only what a new project sees.
        Write(Path.Combine(root, "Directory.Build.props"), "<Project />\n");
        Write(Path.Combine(root, "Directory.Build.targets"), "<Project />\n");
        Write(Path.Combine(root, "Directory.Packages.props"), "<Project />\n");
        Write(Path.Combine(project, "Consumer.csproj"), ProjectFile(packages.Version));
        Write(Path.Combine(project, "Program.cs"), ProgramFile);
        Write(Path.Combine(project, "schema", "todos.sql"), "CREATE TABLE todos (id INTEGER NOT NULL PRIMARY KEY, title TEXT NOT NULL DEFAULT '');\n");

        // The packages are always version X of this repo, so a shared package cache would serve the first build of X
        // it ever saw: restore into a folder of this run's own (only the Corrosion and SQLitePCLRaw packages land
        // there; the Microsoft.Extensions ones come with the shared framework).
        await DotnetCli.RunAsync(
            project,
            ["build", "-c", "Release", "--disable-build-servers"],
            BuildDeadline,
            new Dictionary<string, string> { ["NUGET_PACKAGES"] = Path.Combine(root, "packages") });

        var bin = Path.Combine(project, "bin", "Release", "net10.0");
        var data = Path.Combine(root, "data");
        var process = new Process
        {
            StartInfo = DotnetCli.StartInfo(project, [Path.Combine(bin, "Consumer.dll"), "--urls", "http://127.0.0.1:0", "--DataDirectory", data]),
        };
        var app = new ConsumerApp(process, bin);
        try
        {
            await app.StartProcessAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return app;
    }

    /// <summary>Waits for an exact line of the in-process subscription (without the prefix).</summary>
    public Task WaitForSubscriptionLineAsync(string line, string what) =>
        Eventually.UntilAsync(
            () => Task.FromResult(SubscriptionLines().Contains(line)),
            Deadline,
            what,
            () => Task.FromResult($"subscription lines [{string.Join(" | ", SubscriptionLines())}]; output:\n{Output()}"));

    public IReadOnlyList<string> SubscriptionLines()
    {
        lock (_output)
        {
            return _output.Where(l => l.StartsWith(SubscriptionPrefix, StringComparison.Ordinal)).Select(l => l[SubscriptionPrefix.Length..]).ToList();
        }
    }

    public string Output()
    {
        lock (_output)
        {
            return string.Join('\n', _output);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client?.Dispose();
        if (_started && !_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private async Task StartProcessAsync()
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
        _process.EnableRaisingEvents = true;
        _process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException("it exited"));
        _started = _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        try
        {
            Client = new HttpClient { BaseAddress = await listening.Task.WaitAsync(Deadline), Timeout = Deadline };
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            var reason = e is TimeoutException ? $"no 'Now listening on' within {Deadline.TotalSeconds:0}s" : e.Message;
            throw new InvalidOperationException($"the consumer app did not start listening ({reason}); its output:\n{Output()}", e);
        }
    }

    private static void Write(string path, string contents)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, contents);
    }

    // No <clear />: the sources of the machine's NuGet configuration (those the repo restores from) still apply.
    private static string NuGetConfig(string feed) => $"""
        <?xml version="1.0" encoding="utf-8"?>
        <configuration>
          <packageSources>
            <add key="corrosion-packed" value="{feed}" />
          </packageSources>
        </configuration>

        """;

    private static string ProjectFile(string version) => $"""
        <Project Sdk="Microsoft.NET.Sdk.Web">
          <PropertyGroup>
            <TargetFramework>net10.0</TargetFramework>
            <Nullable>enable</Nullable>
            <ImplicitUsings>enable</ImplicitUsings>
            <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
          </PropertyGroup>
          <ItemGroup>
            <PackageReference Include="Corrosion.Http" Version="{version}" />
          </ItemGroup>
          <ItemGroup>
            <None Update="schema/*.sql" CopyToOutputDirectory="PreserveNewest" />
          </ItemGroup>
        </Project>

        """;

    private const string ProgramFile = """
        using Corrosion;
        using Corrosion.Subscriptions;

        var builder = WebApplication.CreateBuilder(args);
        var dataDirectory = builder.Configuration["DataDirectory"] ?? throw new InvalidOperationException("--DataDirectory is required");
        builder.Services
            .AddCorrosion(o =>
            {
                o.DatabasePath = Path.Combine(dataDirectory, "state.db");
                o.SchemaPaths = [Path.Combine(AppContext.BaseDirectory, "schema")];
            })
            .AddHttpApi();

        var app = builder.Build();
        app.MapCorrosion();
        await app.StartAsync();

        // A live query in this process, observed as an IObservable<SubscriptionEvent>.
        var node = app.Services.GetRequiredService<ICorrosionNode>();
        await using var live = await node.SubscribeAsync("SELECT id, title FROM todos");
        using var subscription = live.Subscribe(new StdoutObserver());
        await app.WaitForShutdownAsync();

        internal sealed class StdoutObserver : IObserver<SubscriptionEvent>
        {
            public void OnNext(SubscriptionEvent value) => Console.WriteLine("consumer-subscription: " + value switch
            {
                SubscriptionEvent.Columns c => "columns " + string.Join(',', c.Names),
                SubscriptionEvent.Row r => $"row {r.Cells[0].AsInteger} {r.Cells[1].AsText}",
                SubscriptionEvent.EndOfQuery => "end-of-query",
                SubscriptionEvent.Change c => $"{c.Kind.ToString().ToLowerInvariant()} {c.Cells[0].AsInteger} {c.Cells[1].AsText}",
                SubscriptionEvent.Error e => "error " + e.Message,
                _ => "unexpected " + value,
            });

            public void OnError(Exception error) => Console.WriteLine("consumer-subscription: failed " + error.Message);

            public void OnCompleted() => Console.WriteLine("consumer-subscription: completed");
        }

        """;

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningOn();
}
