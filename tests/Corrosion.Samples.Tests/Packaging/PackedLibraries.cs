using System.Reflection;
using Corrosion.TestKit;

namespace Corrosion.Samples.Tests.Packaging;

/// <summary>
/// The three library packages, packed once per test class into a folder that then serves as a package feed.
/// Packing uses the build that <c>dotnet test</c> just made (<c>--no-build</c>, the test's own configuration), the
/// way a release pipeline packs what it built and tested; <c>-warnaserror</c> fails on any pack warning.
/// </summary>
public sealed class PackedLibraries : IAsyncLifetime
{
    public static readonly IReadOnlyList<string> Ids = ["Corrosion.Core", "Corrosion.Gossip", "Corrosion.Http"];

    private static readonly TimeSpan PackDeadline = TimeSpan.FromMinutes(3);

    private readonly TempDirectory _root = new("corrosion-nuget");

    /// <summary>A scratch folder for this test class (the feed, consumer apps, their package caches), deleted on dispose.</summary>
    public TempDirectory Root => _root;

    /// <summary>The folder holding the packed .nupkg and .snupkg files.</summary>
    public string Feed => _root.Combine("feed");

    /// <summary>The packages' version: the repo's one <c>Version</c> (Directory.Build.props), which this assembly shares.</summary>
    public string Version { get; } = typeof(PackedLibraries).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion.Split('+')[0];

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public async Task InitializeAsync()
    {
        var configuration = typeof(PackedLibraries).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;
        foreach (var id in Ids)
        {
            await DotnetCli.RunAsync(
                RepositoryRoot,
                ["pack", Path.Combine("src", id, id + ".csproj"), "-c", configuration, "--no-build", "-warnaserror", "--disable-build-servers", "-o", Feed],
                PackDeadline);
        }
    }

    public Task DisposeAsync()
    {
        _root.Dispose();
        return Task.CompletedTask;
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Corrosion.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"no Corrosion.sln above {AppContext.BaseDirectory}");
    }
}
