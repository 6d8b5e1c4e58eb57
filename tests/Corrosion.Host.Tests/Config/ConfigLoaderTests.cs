using System.Net;
using Corrosion.Host.Config;

namespace Corrosion.Host.Tests.Config;

public sealed class ConfigLoaderTests
{
    private const string Minimal = """
        [db]
        path = "/var/lib/corrosion/state.db"
        [gossip]
        addr = "127.0.0.1:8787"
        [api]
        addr = "127.0.0.1:8080"
        """;

    [Fact]
    public void Embedded_default_serves_when_no_config_file_exists_and_no_path_was_given()
    {
        using var dir = new TempDir();

        var loaded = ConfigLoader.Load(null, ConfigOverrides.None, defaultPath: dir.Combine("missing.toml"), workingDirectory: dir.Path);

        loaded.IsEmbeddedDefault.Should().BeTrue();
        loaded.Source.Should().Be(ConfigLoader.EmbeddedSource);
        loaded.Config.Db.Path.Should().Be(dir.Combine("corrosion-data", "state.db"));
        loaded.Config.Db.SchemaPaths.Should().Equal(dir.Combine("corrosion-data", "schema"));
        loaded.Config.Admin.Path.Should().Be(dir.Combine("corrosion-data", "admin.sock"));
        loaded.Config.Api.Addrs.Should().Equal(IPEndPoint.Parse("127.0.0.1:8080"));
        loaded.Config.Gossip.Addr.Should().Be(IPEndPoint.Parse("127.0.0.1:8787"));
        loaded.Config.Gossip.Plaintext.Should().BeTrue();
    }

    [Fact]
    public void Default_path_is_read_when_it_exists()
    {
        using var dir = new TempDir();
        var path = dir.Write("config.toml", Minimal);

        var loaded = ConfigLoader.Load(null, ConfigOverrides.None, defaultPath: path);

        loaded.IsEmbeddedDefault.Should().BeFalse();
        loaded.Source.Should().Be(path);
        loaded.Config.Db.Path.Should().Be("/var/lib/corrosion/state.db");
    }

    [Fact]
    public void Explicit_missing_config_is_an_error_naming_the_file()
    {
        using var dir = new TempDir();
        var missing = dir.Combine("nope.toml");

        var act = () => ConfigLoader.Load(missing, ConfigOverrides.None, defaultPath: dir.Combine("also-missing.toml"));

        act.Should().Throw<ConfigException>().WithMessage($"config file '{missing}' does not exist");
    }

    [Fact]
    public void Command_line_overrides_win_over_the_file()
    {
        using var dir = new TempDir();
        var path = dir.Write("config.toml", Minimal);

        var loaded = ConfigLoader.Load(path, new ConfigOverrides(ApiAddr: "[::1]:9999", DbPath: "/tmp/other.db", AdminPath: "/tmp/a.sock"));

        loaded.Config.Api.Addrs.Should().Equal(IPEndPoint.Parse("[::1]:9999"));
        loaded.Config.Db.Path.Should().Be("/tmp/other.db");
        loaded.Config.Admin.Path.Should().Be("/tmp/a.sock");
    }

    [Fact]
    public void Command_line_overrides_apply_to_the_embedded_default_too()
    {
        using var dir = new TempDir();

        var loaded = ConfigLoader.Load(null, new ConfigOverrides(ApiAddr: "127.0.0.1:9000"), defaultPath: dir.Combine("missing.toml"), workingDirectory: dir.Path);

        loaded.IsEmbeddedDefault.Should().BeTrue();
        loaded.Config.Api.Addrs.Should().Equal(IPEndPoint.Parse("127.0.0.1:9000"));
    }

    [Fact]
    public void Bad_api_addr_override_is_refused()
    {
        using var dir = new TempDir();
        var path = dir.Write("config.toml", Minimal);

        var act = () => ConfigLoader.Load(path, new ConfigOverrides(ApiAddr: "localhost"));

        act.Should().Throw<ConfigException>().WithMessage("--api-addr: 'localhost' has no port; expected host:port");
    }

    [Fact]
    public void File_errors_name_the_file_path()
    {
        using var dir = new TempDir();
        var path = dir.Write("config.toml", Minimal + "\nextra = 1\n");

        var act = () => ConfigLoader.Load(path, ConfigOverrides.None);

        act.Should().Throw<ConfigException>().WithMessage($"config {path}:7: api.extra: unknown key");
    }
}
