using System.Diagnostics;
using Corrosion.TestKit;

namespace Corrosion.Samples.Tests.Packaging;

/// <summary>
/// A fresh ASP.NET Core app that installs <c>Corrosion.Http</c> by version from the packed feed (plus the machine's
/// configured NuGet sources), built and run as its own process on a port the OS picks. Every event of its
/// in-process subscription is written to stdout as a line starting with <see cref="SubscriptionPrefix"/>.
/// </summary>
public sealed class ConsumerApp : IAsyncDisposable
{
    public const string SubscriptionPrefix = "consumer-subscription: ";

    private static readonly TimeSpan BuildDeadline = TimeSpan.FromMinutes(4);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private readonly AspNetAppProcess _process;

    private ConsumerApp(AspNetAppProcess process, string binDirectory)
    {
        _process = process;
        BinDirectory = binDirectory;
        Client = new HttpClient { BaseAddress = process.Address, Timeout = Deadline };
    }

    /// <summary>The built app's output folder.</summary>
    public string BinDirectory { get; }

    public HttpClient Client { get; }

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
        var process = await AspNetAppProcess.StartAsync(
            DotnetCli.StartInfo(project, [Path.Combine(bin, "Consumer.dll"), "--urls", "http://127.0.0.1:0", "--DataDirectory", data]),
            Deadline,
            "the consumer app");
        return new ConsumerApp(process, bin);
    }

    /// <summary>Waits for an exact line of the in-process subscription (without the prefix).</summary>
    public Task WaitForSubscriptionLineAsync(string line, string what) =>
        Eventually.UntilAsync(
            () => Task.FromResult(SubscriptionLines().Contains(line)),
            Deadline,
            what,
            () => Task.FromResult($"subscription lines [{string.Join(" | ", SubscriptionLines())}]; output:\n{Output()}"));

    public IReadOnlyList<string> SubscriptionLines() =>
        [.. _process.Lines().Where(l => l.StartsWith(SubscriptionPrefix, StringComparison.Ordinal)).Select(l => l[SubscriptionPrefix.Length..])];

    public string Output() => _process.Output();

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _process.DisposeAsync();
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
}
