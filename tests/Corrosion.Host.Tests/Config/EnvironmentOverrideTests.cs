using Corrosion.Host.Config;

namespace Corrosion.Host.Tests.Config;

public sealed class EnvironmentOverrideTests
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
    public void Environment_variables_override_file_values_with_toml_typed_values()
    {
        using var dir = new TempDir();
        var path = dir.Write("config.toml", Minimal);
        var env = new System.Collections.Hashtable
        {
            ["CORROSION_DB__PATH"] = "/env/state.db",
            ["CORROSION_GOSSIP__PLAINTEXT"] = "true",
            ["CORROSION_GOSSIP__BOOTSTRAP"] = "[\"a.internal:8787\"]",
            ["CORROSION_API__AUTHZ__BEARER-TOKEN"] = "from-env",
            ["CORROSION_PERF__SQL_TX_TIMEOUT"] = "5",
            ["CORROSION_IGNORED"] = "no double underscore, not a config key",
            ["PATH"] = "/usr/bin",
        };

        var config = ConfigLoader.Load(path, ConfigOverrides.None, environment: env).Config;

        config.Db.Path.Should().Be("/env/state.db");
        config.Gossip.Plaintext.Should().BeTrue();
        config.Gossip.Bootstrap.Should().Equal("a.internal:8787");
        config.Api.BearerToken.Should().Be("from-env");
        config.Perf.SqlTxTimeout.Should().Be(5);
    }

    [Fact]
    public void Command_line_overrides_win_over_environment_variables()
    {
        using var dir = new TempDir();
        var path = dir.Write("config.toml", Minimal);
        var env = new System.Collections.Hashtable { ["CORROSION_DB__PATH"] = "/env/state.db" };

        var config = ConfigLoader.Load(path, new ConfigOverrides(DbPath: "/cli/state.db"), environment: env).Config;

        config.Db.Path.Should().Be("/cli/state.db");
    }

    [Fact]
    public void Unknown_or_mistyped_environment_keys_are_refused()
    {
        using var dir = new TempDir();
        var path = dir.Write("config.toml", Minimal);
        var env = new System.Collections.Hashtable { ["CORROSION_DB__PATHH"] = "/x", ["CORROSION_GOSSIP__PLAINTEXT"] = "yes" };

        var act = () => ConfigLoader.Load(path, ConfigOverrides.None, environment: env);

        act.Should().Throw<ConfigException>().Which.Problems.Should().Equal(
            $"config {path}, environment variable CORROSION_DB__PATHH: db.pathh: unknown key",
            $"config {path}, environment variable CORROSION_GOSSIP__PLAINTEXT: gossip.plaintext: expected a boolean (true or false), found a string");
    }

    [Fact]
    public void Unprefixed_section_variables_as_the_original_reads_them_override_file_values()
    {
        using var dir = new TempDir();
        var path = dir.Write("config.toml", Minimal);
        var env = new System.Collections.Hashtable
        {
            ["GOSSIP__ADDR"] = "[::1]:9999",
            ["DB__PATH"] = "/env/state.db",
            ["admin__path"] = "/env/admin.sock",
            ["API__AUTHZ__BEARER-TOKEN"] = "from-env",
            ["MY_APP__SETTING"] = "not a corrosion section, ignored",
            ["DBX__PATH"] = "not a corrosion section either",
        };

        var config = ConfigLoader.Load(path, ConfigOverrides.None, environment: env).Config;

        config.Gossip.Addr.ToString().Should().Be("[::1]:9999");
        config.Db.Path.Should().Be("/env/state.db");
        config.Admin.Path.Should().Be("/env/admin.sock");
        config.Api.BearerToken.Should().Be("from-env");
    }

    [Fact]
    public void Prefixed_variables_win_over_unprefixed_ones_and_unprefixed_problems_name_the_variable()
    {
        using var dir = new TempDir();
        var path = dir.Write("config.toml", Minimal);
        var env = new System.Collections.Hashtable { ["DB__PATH"] = "/plain/state.db", ["CORROSION_DB__PATH"] = "/prefixed/state.db" };

        ConfigLoader.Load(path, ConfigOverrides.None, environment: env).Config.Db.Path.Should().Be("/prefixed/state.db");

        var bad = new System.Collections.Hashtable { ["GOSSIP__PLAINTEXT"] = "yes" };
        var act = () => ConfigLoader.Load(path, ConfigOverrides.None, environment: bad);
        act.Should().Throw<ConfigException>().Which.Problems.Should().Equal(
            $"config {path}, environment variable GOSSIP__PLAINTEXT: gossip.plaintext: expected a boolean (true or false), found a string");
    }

    [Fact]
    public void Kebab_case_keys_can_be_spelled_with_underscores_as_shells_require()
    {
        using var dir = new TempDir();
        var path = dir.Write("config.toml", Minimal);
        var env = new System.Collections.Hashtable
        {
            ["CORROSION_API__AUTHZ__BEARER_TOKEN"] = "s3cret",
            ["TELEMETRY__OPEN_TELEMETRY"] = "from-env",
        };

        var config = ConfigLoader.Load(path, ConfigOverrides.None, environment: env).Config;

        config.Api.BearerToken.Should().Be("s3cret");
        config.Telemetry.OpenTelemetry.Should().NotBeNull();
    }

    [Fact]
    public void Other_programs_section_variables_are_ignored_but_prefixed_unknown_keys_are_refused()
    {
        using var dir = new TempDir();
        var path = dir.Write("config.toml", Minimal);
        var others = new System.Collections.Hashtable { ["DB__PASSWORD"] = "hunter2", ["API__BASEURL"] = "http://x", ["LOG__LEVEL"] = "debug" };

        var config = ConfigLoader.Load(path, ConfigOverrides.None, environment: others).Config;
        config.Api.BearerToken.Should().BeNull();

        var typo = new System.Collections.Hashtable { ["CORROSION_DB__PASSWORD"] = "hunter2" };
        var act = () => ConfigLoader.Load(path, ConfigOverrides.None, environment: typo);
        act.Should().Throw<ConfigException>().Which.Problems.Should().Equal(
            $"config {path}, environment variable CORROSION_DB__PASSWORD: db.password: unknown key");
    }
}
