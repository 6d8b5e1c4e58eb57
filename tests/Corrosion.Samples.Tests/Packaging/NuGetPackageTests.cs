using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;

namespace Corrosion.Samples.Tests.Packaging;

/// <summary>
/// The NuGet install path (docs/nuget.md): the libraries as packages, and an ASP.NET Core app that installs them by
/// version from a feed, with no ProjectReference to this repo.
/// </summary>
public sealed class NuGetPackageTests(PackedLibraries packages) : IClassFixture<PackedLibraries>
{
    [Fact]
    public void Each_library_is_a_package_with_its_metadata_readme_and_a_symbols_package()
    {
        Directory.EnumerateFiles(packages.Feed).Select(Path.GetFileName).Should().BeEquivalentTo(
            PackedLibraries.Ids.SelectMany(id => new[] { $"{id}.{packages.Version}.nupkg", $"{id}.{packages.Version}.snupkg" }));

        foreach (var id in PackedLibraries.Ids)
        {
            using var package = ZipFile.OpenRead(Path.Combine(packages.Feed, $"{id}.{packages.Version}.nupkg"));
            var metadata = Nuspec(package, id);
            string? Element(string name) => metadata.Element(metadata.Name.Namespace + name)?.Value;

            Element("id").Should().Be(id);
            Element("version").Should().Be(packages.Version);
            Element("authors").Should().Be("Corrosion for .NET contributors");
            Element("license").Should().Be("Apache-2.0", id);
            metadata.Element(metadata.Name.Namespace + "license")!.Attribute("type")!.Value.Should().Be("expression");
            Element("description").Should().NotBeNullOrWhiteSpace(id);
            Element("tags")!.Split(' ').Should().Contain(["corrosion", "sqlite", "crdt"], id);
            Element("readme").Should().Be("README.md", id);
            ReadEntry(package, "README.md").Should().StartWith($"# {id}\n", "the package's own README is packed");
            package.GetEntry($"lib/net10.0/{id}.dll").Should().NotBeNull(id);

            using var symbols = ZipFile.OpenRead(Path.Combine(packages.Feed, $"{id}.{packages.Version}.snupkg"));
            symbols.GetEntry($"lib/net10.0/{id}.pdb").Should().NotBeNull($"{id}'s symbols package holds its pdb");
        }

        // Installing Corrosion.Http brings the other two and the native SQLite library.
        Dependencies("Corrosion.Http").Should().Contain(("Corrosion.Gossip", packages.Version));
        Dependencies("Corrosion.Gossip").Should().Contain(("Corrosion.Core", packages.Version));
        Dependencies("Corrosion.Core").Select(d => d.Id).Should().Contain(["SQLitePCLRaw.core", "SQLitePCLRaw.provider.e_sqlite3", "SQLitePCLRaw.lib.e_sqlite3"]);
    }

    [Fact]
    public void Each_package_ships_the_xml_documentation_of_its_assembly_for_intellisense()
    {
        foreach (var (id, member) in new[]
        {
            ("Corrosion.Core", "M:Corrosion.ICorrosionNode.ExecuteAsync("),
            ("Corrosion.Gossip", "M:Microsoft.Extensions.DependencyInjection.GossipCorrosionBuilderExtensions.AddGossip("),
            ("Corrosion.Http", "M:Microsoft.AspNetCore.Builder.CorrosionEndpointRouteBuilderExtensions.MapCorrosion("),
        })
        {
            using var package = ZipFile.OpenRead(Path.Combine(packages.Feed, $"{id}.{packages.Version}.nupkg"));
            package.GetEntry($"lib/net10.0/{id}.xml").Should().NotBeNull($"{id}'s XML doc comments are what an IDE shows for its API");
            var documented = XDocument.Parse(ReadEntry(package, $"lib/net10.0/{id}.xml")).Descendants("member")
                .Select(m => m.Attribute("name")!.Value).ToList();
            documented.Should().Contain(name => name.StartsWith(member, StringComparison.Ordinal), id);
        }
    }

    [Fact]
    public async Task A_new_aspnet_app_that_installs_the_packages_serves_the_v1_api_and_sees_inserts_in_an_in_process_subscription()
    {
        await using var app = await ConsumerApp.StartAsync(packages);
        Directory.EnumerateFiles(Path.Combine(app.BinDirectory, "runtimes"), "*e_sqlite3*", SearchOption.AllDirectories)
            .Should().NotBeEmpty("SQLitePCLRaw.lib.e_sqlite3 flows to the app through Corrosion.Core");
        await app.WaitForSubscriptionLineAsync("end-of-query", "the in-process subscription's initial (empty) result");
        app.SubscriptionLines().Should().Equal(["columns id,title", "end-of-query"]);

        using var write = await app.Client.PostAsync(
            "/v1/transactions",
            Json("""["INSERT INTO todos (id, title) VALUES (1, 'installed from a package')", "INSERT INTO todos (id, title) VALUES (2, 'second')"]"""));
        var written = await write.Content.ReadAsStringAsync();
        write.StatusCode.Should().Be(HttpStatusCode.OK, written);
        using (var result = JsonDocument.Parse(written))
        {
            result.RootElement.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("rows_affected").GetInt32()).Should().Equal(1, 1);
            result.RootElement.GetProperty("version").GetInt64().Should().Be(1);
        }

        using var query = await app.Client.PostAsync("/v1/queries", Json("\"SELECT id, title FROM todos ORDER BY id\""));
        var lines = (await query.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        query.StatusCode.Should().Be(HttpStatusCode.OK, string.Join('\n', lines));
        lines.Should().HaveCount(4).And.StartWith(
            ["{\"columns\":[\"id\",\"title\"]}", "{\"row\":[1,[1,\"installed from a package\"]]}", "{\"row\":[2,[2,\"second\"]]}"]);
        lines[3].Should().StartWith("{\"eoq\":");

        await app.WaitForSubscriptionLineAsync("insert 2 second", "the inserts to reach the in-process subscription");
        app.SubscriptionLines().Should().Equal(["columns id,title", "end-of-query", "insert 1 installed from a package", "insert 2 second"]);
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static XElement Nuspec(ZipArchive package, string id) =>
        XDocument.Parse(ReadEntry(package, id + ".nuspec")).Root!.Elements().Single(e => e.Name.LocalName == "metadata");

    private static string ReadEntry(ZipArchive package, string name)
    {
        var entry = package.GetEntry(name) ?? throw new InvalidOperationException($"the package has no {name}");
        using var reader = new StreamReader(entry.Open());
        return reader.ReadToEnd();
    }

    private IEnumerable<(string Id, string Version)> Dependencies(string id)
    {
        using var package = ZipFile.OpenRead(Path.Combine(packages.Feed, $"{id}.{packages.Version}.nupkg"));
        return Nuspec(package, id).Descendants().Where(e => e.Name.LocalName == "dependency")
            .Select(e => (e.Attribute("id")!.Value, e.Attribute("version")!.Value)).ToList();
    }
}
