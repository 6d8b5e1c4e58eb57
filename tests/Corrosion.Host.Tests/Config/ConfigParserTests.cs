using System.Net;
using Corrosion.Host.Config;
using Corrosion.Http;
using Corrosion.Options;

namespace Corrosion.Host.Tests.Config;

public sealed class ConfigParserTests
{
    // Verbatim from the spec's quick start, node A.
    private const string NodeA = """
        # /etc/corrosion/config.toml
        [db]
        path = "/var/lib/corrosion/state.db"
        schema_paths = ["/etc/corrosion/schema"]
        [gossip]
        addr = "[::]:8787" # the address we bind to
        external_addr = "[::1]:8787" # the address we advertise as
        plaintext = true
        [api]
        addr = "127.0.0.1:8080"
        [admin]
        path = "/var/run/corrosion/admin.sock"
        """;

    // Verbatim from the spec's quick start, node B.
    private const string NodeB = """
        # /etc/corrosion-b/config.toml
        [db]
        path = "/var/lib/corrosion-b/state.db"
        schema_paths = ["/etc/corrosion-b/schema"]
        [gossip]
        addr = "[::]:8788" # the address we bind to
        external_addr = "[::1]:8788" # the address we advertise as
        bootstrap = ["[::1]:8787"] # bootstrap the node's cluster discovery w/ node A
        plaintext = true
        [api]
        addr = "127.0.0.1:8081"
        [admin]
        path = "/var/run/corrosion-b/admin.sock"
        """;

    // Verbatim from the spec's Fly.io appendix (the gossip.addr placeholder is what the docs show).
    private const string Fly = """
        # /etc/corrosion/config.toml
        [db]
        path = "/var/lib/corrosion/state.db"
        schema_paths = ["/etc/corrosion/schemas"]
        [gossip]
        addr = "[fdaa:0:and:so:on:and:so:forth]:8787"
        bootstrap = ["<your-app-name>.internal:8787"]
        # addr and bootstrap for Fly.io deployment example are written
        # on startup by entrypoint script
        plaintext = true # Cryptography and authz are handled by Fly.io private networking
        max_mtu = 1372 # For Fly.io private network
        disable_gso = true # For Fly.io private network
        [api]
        addr = "[::]:8080" # Must be available on IPv6 for Fly.io private network
        [admin]
        path = "/app/admin.sock"
        [telemetry]
        prometheus.addr = "0.0.0.0:9090"
        [log]
        colors = false
        """;

    [Fact]
    public void Quick_start_node_A_parses_with_documented_defaults()
    {
        var config = ConfigLoader.Parse(NodeA, "a.toml");

        config.Db.Path.Should().Be("/var/lib/corrosion/state.db");
        config.Db.SchemaPaths.Should().Equal("/etc/corrosion/schema");
        config.Db.SubscriptionsPath.Should().BeNull();
        config.Db.CacheSizeKib.Should().Be(-1048576);
        config.Gossip.Addr.Should().Be(IPEndPoint.Parse("[::]:8787"));
        config.Gossip.ExternalAddr.Should().Be(IPEndPoint.Parse("[::1]:8787"));
        config.Gossip.Plaintext.Should().BeTrue();
        config.Gossip.Bootstrap.Should().BeEmpty();
        config.Gossip.IdleTimeoutSecs.Should().Be(30);
        config.Gossip.ClientAddr.Should().Be(IPEndPoint.Parse("[::]:0"));
        config.Gossip.MaxMtu.Should().BeNull();
        config.Gossip.DisableGso.Should().BeFalse();
        config.Gossip.Tls.Should().BeNull();
        config.Api.Addrs.Should().Equal(IPEndPoint.Parse("127.0.0.1:8080"));
        config.Api.BearerToken.Should().BeNull();
        config.Api.Pg.Should().BeEmpty();
        config.Admin.Path.Should().Be("/var/run/corrosion/admin.sock");
        config.Log.Format.Should().Be(LogFormat.Plaintext);
        config.Log.Colors.Should().BeTrue();
        config.Telemetry.PrometheusAddr.Should().BeNull();
        config.Consul.Should().BeNull();
        config.Perf.ApplyChannelLen.Should().Be(2048);
        config.Perf.SqlTxTimeout.Should().Be(60);
        config.Perf.ApplyQueueBatchThresholdRatio.Should().Be(0.9);
    }

    [Fact]
    public void Quick_start_node_B_parses_with_bootstrap()
    {
        var config = ConfigLoader.Parse(NodeB, "b.toml");

        config.Gossip.Addr.Should().Be(IPEndPoint.Parse("[::]:8788"));
        config.Gossip.Bootstrap.Should().Equal("[::1]:8787");
        config.Api.Addrs.Should().Equal(IPEndPoint.Parse("127.0.0.1:8081"));
        config.Admin.Path.Should().Be("/var/run/corrosion-b/admin.sock");
    }

    [Fact]
    public void Fly_example_is_refused_only_for_its_two_placeholders()
    {
        // The docs' placeholders "[fdaa:0:and:so:on:and:so:forth]" and "<your-app-name>" are not addresses
        // (the entrypoint script fills them in); everything else in the example is accepted.
        var act = () => ConfigLoader.Parse(Fly, "fly.toml");

        act.Should().Throw<ConfigException>().Which.Problems.Should().Equal(
            "config fly.toml:6: gossip.addr: '[fdaa:0:and:so:on:and:so:forth]:8787' is not an IP address and port (like 127.0.0.1:8080 or [::]:8080)",
            "config fly.toml:7: gossip.bootstrap[0]: '<your-app-name>.internal:8787' is not host:port");
    }

    [Fact]
    public void Fly_example_with_a_real_address_parses()
    {
        var toml = Fly
            .Replace("fdaa:0:and:so:on:and:so:forth", "fdaa:0:1:a7b:1::2", StringComparison.Ordinal)
            .Replace("<your-app-name>", "my-app", StringComparison.Ordinal);

        var config = ConfigLoader.Parse(toml, "fly.toml");

        config.Gossip.Addr.Should().Be(IPEndPoint.Parse("[fdaa:0:1:a7b:1::2]:8787"));
        config.Gossip.Bootstrap.Should().Equal("my-app.internal:8787");
        config.Gossip.Plaintext.Should().BeTrue();
        config.Gossip.MaxMtu.Should().Be(1372);
        config.Gossip.DisableGso.Should().BeTrue();
        config.Api.Addrs.Should().Equal(IPEndPoint.Parse("[::]:8080"));
        config.Admin.Path.Should().Be("/app/admin.sock");
        config.Telemetry.PrometheusAddr.Should().Be(IPEndPoint.Parse("0.0.0.0:9090"));
        config.Log.Colors.Should().BeFalse();
    }

    [Fact]
    public void Every_documented_section_and_field_is_accepted()
    {
        const string toml = """
            [db]
            path = "/data/state.db"
            schema_paths = ["/etc/corrosion/schema", "/path/to/table_name.sql"]
            subscriptions_path = "/data/subs"
            cache_size_kib = -2048

            [gossip]
            bind_addr = "10.0.0.1:4001"
            external_addr = "1.2.3.4:4001"
            client_addr = "10.0.0.1:0"
            bootstrap = ["127.0.0.1:3333", "my-fly-app.internal:3333", "my-fly-app.internal:3333@[fdaa::3]:53"]
            plaintext = false
            max_mtu = 1452
            idle_timeout_secs = 45
            disable_gso = true
            member_id = 7
            compression = { enabled = true, level = 5 }
            broadcast = { plumtree = { prune_threshold = 4, batch_gossip = true } }

            [gossip.tls]
            cert_file = "/path/to/server_cert.pem"
            key_file = "/path/to/server_key.pem"
            ca_file = "/path/to/ca_cert.pem"
            insecure = true

            [gossip.tls.client]
            cert_file = "/path/to/client_cert.pem"
            key_file = "/path/to/client_key.pem"

            [api]
            addr = ["0.0.0.0:9000", "[::1]:9000"]
            endpoint_name = "node-1"
            authz.bearer-token = "s3cret"
            pg.addr = "127.0.0.1:5470"
            pg.readonly = true
            pg.tls = { cert_file = "c.pem", key_file = "k.pem", verify_client = true }

            [admin]
            uds_path = "/admin.sock"

            [telemetry]
            prometheus.addr = "0.0.0.0:9090"
            open-telemetry.exporter = { endpoint = "10.0.0.0:9999" }

            [log]
            format = "json"
            colors = false

            [consul.client]
            address = "127.0.0.1:8500"
            [consul.client.tls]
            ca_file = "ca.pem"
            cert_file = "cert.pem"
            key_file = "key.pem"

            [perf]
            apply_channel_len = 10
            sql_tx_timeout = 5
            apply_queue_batch_threshold_ratio = 0.5

            [reaper]
            check_interval = 60
            tables.todos = { retention = "7d" }
            """;

        var config = ConfigLoader.Parse(toml, "all.toml");

        config.Db.SubscriptionsPath.Should().Be("/data/subs");
        config.Db.CacheSizeKib.Should().Be(-2048);
        config.Gossip.Addr.Should().Be(IPEndPoint.Parse("10.0.0.1:4001"));
        config.Gossip.Bootstrap.Should().HaveCount(3);
        config.Gossip.IdleTimeoutSecs.Should().Be(45);
        config.Gossip.MemberId.Should().Be(7);
        config.Gossip.Compression!.Level.Should().Be(5);
        config.Gossip.Broadcast.Mode.Should().Be("plumtree");
        config.Gossip.Broadcast.PruneThreshold.Should().Be(4);
        config.Gossip.Tls!.Insecure.Should().BeTrue();
        config.Gossip.Tls.CaFile.Should().Be("/path/to/ca_cert.pem");
        config.Gossip.Tls.Client!.KeyFile.Should().Be("/path/to/client_key.pem");
        config.Api.Addrs.Should().Equal(IPEndPoint.Parse("0.0.0.0:9000"), IPEndPoint.Parse("[::1]:9000"));
        config.Api.EndpointName.Should().Be("node-1");
        config.Api.BearerToken.Should().Be("s3cret");
        config.Api.Pg.Should().ContainSingle();
        config.Api.Pg[0].Addr.Should().Be(IPEndPoint.Parse("127.0.0.1:5470"));
        config.Api.Pg[0].Readonly.Should().BeTrue();
        config.Api.Pg[0].Tls!.VerifyClient.Should().BeTrue();
        config.Admin.Path.Should().Be("/admin.sock");
        config.Telemetry.PrometheusAddr.Should().Be(IPEndPoint.Parse("0.0.0.0:9090"));
        config.Telemetry.OpenTelemetry!.ExporterEndpoint.Should().Be("10.0.0.0:9999");
        config.Log.Format.Should().Be(LogFormat.Json);
        config.Log.Colors.Should().BeFalse();
        config.Consul!.Address.Should().Be("127.0.0.1:8500");
        config.Consul.Tls!.KeyFile.Should().Be("key.pem");
        config.Perf.ApplyChannelLen.Should().Be(10);
        config.Perf.SqlTxTimeout.Should().Be(5);
        config.Perf.ChangesChannelLen.Should().Be(1024);
        config.Perf.ApplyQueueBatchThresholdRatio.Should().Be(0.5);
        config.Reaper!.CheckInterval.Should().Be(60);
        config.Reaper.Tables["todos"].Retention.Should().Be("7d");
    }

    [Theory]
    [InlineData("authz.bearer-token = \"t\"")]
    [InlineData("authz = { bearer-token = \"t\" }")]
    [InlineData("authorization = { bearer = \"t\" }")]
    [InlineData("[api.authz]\nbearer-token = \"t\"")]
    public void Bearer_token_is_read_from_dotted_keys_inline_tables_and_aliases(string line)
    {
        var toml = $"""
            [db]
            path = "x.db"
            [gossip]
            addr = "127.0.0.1:8787"
            [api]
            addr = "127.0.0.1:8080"
            {line}
            """;

        ConfigLoader.Parse(toml, "t.toml").Api.BearerToken.Should().Be("t");
    }

    [Theory]
    [InlineData("open-telemetry = \"from-env\"")]
    [InlineData("open-telemetry = \"from_env\"")]
    public void Open_telemetry_from_env_is_accepted(string line)
    {
        var toml = Minimal + "\n[telemetry]\n" + line;

        ConfigLoader.Parse(toml, "t.toml").Telemetry.OpenTelemetry!.FromEnv.Should().BeTrue();
    }

    [Theory]
    [InlineData("10.0.0.0:9999", "http://10.0.0.0:9999/")]
    [InlineData("collector.internal:4317", "http://collector.internal:4317/")]
    [InlineData("[::1]:4317", "http://[::1]:4317/")]
    [InlineData("http://127.0.0.1:4317", "http://127.0.0.1:4317/")]
    [InlineData("https://otel.example.com", "https://otel.example.com/")]
    public void Open_telemetry_exporter_endpoint_is_a_url_and_host_port_gets_http(string endpoint, string expected)
    {
        var toml = Minimal + $"\n[telemetry]\nopen-telemetry.exporter = {{ endpoint = \"{endpoint}\" }}";

        var otel = ConfigLoader.Parse(toml, "t.toml").Telemetry.OpenTelemetry!;

        otel.FromEnv.Should().BeFalse();
        otel.ExporterEndpoint.Should().Be(endpoint);
        otel.ExporterUri!.ToString().Should().Be(expected);
    }

    [Theory]
    [InlineData("collector")]
    [InlineData("10.0.0.0")]
    [InlineData(":4317")]
    [InlineData("collector:")]
    [InlineData("collector:0")]
    [InlineData("collector:65536")]
    [InlineData("collector:43x7")]
    [InlineData("::1:4317")]
    [InlineData("not a host:4317")]
    [InlineData("ftp://collector:4317")]
    [InlineData("http://")]
    public void Open_telemetry_exporter_endpoint_that_is_not_host_port_or_url_is_refused_naming_the_key(string endpoint)
    {
        var toml = Minimal + $"\n[telemetry]\nopen-telemetry.exporter = {{ endpoint = \"{endpoint}\" }}";

        var act = () => ConfigLoader.Parse(toml, "t.toml");

        act.Should().Throw<ConfigException>().Which.Problems.Should()
            .Equal($"config t.toml:8: telemetry.open-telemetry.exporter.endpoint: '{endpoint}' is not a host:port or an http(s):// URL");
    }

    private const string Minimal = """
        [db]
        path = "x.db"
        [gossip]
        addr = "127.0.0.1:8787"
        [api]
        addr = "127.0.0.1:8080"
        """;

    [Fact]
    public void Unknown_key_is_refused_with_key_and_line()
    {
        const string toml = """
            [db]
            path = "x.db"
            [api]
            addr = "127.0.0.1:8080"
            [gossip]
            addr = "127.0.0.1:8787"
            adr = "127.0.0.1:8788"
            """;

        var act = () => ConfigLoader.Parse(toml, "/etc/corrosion/config.toml");

        act.Should().Throw<ConfigException>().Which.Problems.Should().Equal("config /etc/corrosion/config.toml:7: gossip.adr: unknown key");
    }

    [Fact]
    public void Unknown_section_and_nested_keys_are_refused()
    {
        var toml = Minimal + """

            [gosip]
            addr = "x"
            [telemetry]
            prometheus.adr = "0.0.0.0:9090"
            """;

        var act = () => ConfigLoader.Parse(toml, "t.toml");

        act.Should().Throw<ConfigException>().Which.Problems.Should().Equal(
            "config t.toml:7: gosip: unknown key",
            "config t.toml:10: telemetry.prometheus.addr: required key is missing",
            "config t.toml:10: telemetry.prometheus.adr: unknown key");
    }

    [Fact]
    public void Missing_required_fields_are_all_listed_together()
    {
        const string toml = """
            [db]
            schema_paths = []
            [gossip]
            plaintext = true
            [api]
            """;

        var act = () => ConfigLoader.Parse(toml, "t.toml");

        act.Should().Throw<ConfigException>().Which.Problems.Should().Equal(
            "config t.toml:1: db.path: required key is missing",
            "config t.toml:3: gossip.addr: required key is missing",
            "config t.toml:5: api.addr: required key is missing");
    }

    [Fact]
    public void Empty_required_strings_are_refused()
    {
        var act = () => ConfigLoader.Parse(Minimal.Replace("path = \"x.db\"", "path = \"\"", StringComparison.Ordinal) + "\n[gossip.tls]\ncert_file = \"c\"\nkey_file = 3\n", "t.toml");

        act.Should().Throw<ConfigException>().Which.Problems.Should().Equal(
            "config t.toml:2: db.path: must not be empty",
            "config t.toml:9: gossip.tls.key_file: expected a string, found an integer");
    }

    [Fact]
    public void Empty_optional_paths_are_refused_naming_the_key_instead_of_failing_at_start()
    {
        const string text = """
            [db]
            path = "x.db"
            schema_paths = ["/etc/corrosion/schema", ""]
            subscriptions_path = ""
            [gossip]
            addr = "127.0.0.1:8787"
            [gossip.tls]
            cert_file = "c.pem"
            key_file = "k.pem"
            ca_file = ""
            [api]
            addr = "127.0.0.1:8080"
            [admin]
            path = ""
            [consul.client.tls]
            ca_file = ""
            cert_file = ""
            """;

        var act = () => ConfigLoader.Parse(text, "t.toml");

        // The spec's [consul.client.tls] example has empty strings; consul is not acted on, so they stay accepted.
        act.Should().Throw<ConfigException>().Which.Problems.Should().Equal(
            "config t.toml:3: db.schema_paths[1]: must not be empty",
            "config t.toml:4: db.subscriptions_path: must not be empty",
            "config t.toml:10: gossip.tls.ca_file: must not be empty",
            "config t.toml:14: admin.path: must not be empty");
    }

    [Fact]
    public void Missing_required_sections_are_named()
    {
        var act = () => ConfigLoader.Parse("[db]\npath = \"x\"\n", "t.toml");

        act.Should().Throw<ConfigException>().Which.Problems.Should().Equal(
            "config t.toml: gossip: required section [gossip] is missing",
            "config t.toml: api: required section [api] is missing");
    }

    [Fact]
    public void Wrong_types_are_refused_with_key_line_and_what_was_found()
    {
        const string toml = """
            [db]
            path = 42
            schema_paths = "/etc/corrosion/schema"
            cache_size_kib = "big"
            [gossip]
            addr = "127.0.0.1:8787"
            plaintext = "yes"
            max_mtu = 1000
            [api]
            addr = "127.0.0.1:8080"
            [log]
            format = "xml"
            """;

        var act = () => ConfigLoader.Parse(toml, "t.toml");

        act.Should().Throw<ConfigException>().Which.Problems.Should().Equal(
            "config t.toml:2: db.path: expected a string, found an integer",
            "config t.toml:3: db.schema_paths: expected an array of strings, found a string",
            "config t.toml:4: db.cache_size_kib: expected an integer, found a string",
            "config t.toml:7: gossip.plaintext: expected a boolean (true or false), found a string",
            "config t.toml:8: gossip.max_mtu: 1000 is out of range (1200 to 65535)",
            "config t.toml:12: log.format: 'xml' is not \"plaintext\" or \"json\"");
    }

    [Theory]
    [InlineData("localhost:8080", "'localhost:8080' is not an IP address and port (like 127.0.0.1:8080 or [::]:8080)")]
    [InlineData("127.0.0.1", "'127.0.0.1' has no port; expected host:port")]
    [InlineData("::1:8080", "'::1:8080': IPv6 addresses need brackets, like [::1]:8787")]
    [InlineData("127.0.0.1:99999", "'127.0.0.1:99999': '99999' is not a port (0-65535)")]
    [InlineData("[::1]8080", "'[::1]8080' is not [ipv6]:port")]
    [InlineData("[127.0.0.1]:8080", "'[127.0.0.1]:8080': only IPv6 addresses go in brackets")]
    public void Bad_addresses_are_refused_with_a_clear_message(string addr, string message)
    {
        var toml = Minimal.Replace("addr = \"127.0.0.1:8080\"", $"addr = \"{addr}\"", StringComparison.Ordinal);

        var act = () => ConfigLoader.Parse(toml, "t.toml");

        act.Should().Throw<ConfigException>().Which.Problems.Should().Equal($"config t.toml:6: api.addr: {message}");
    }

    [Fact]
    public void Bad_bootstrap_entry_names_its_index()
    {
        var toml = Minimal.Replace("addr = \"127.0.0.1:8787\"", "addr = \"127.0.0.1:8787\"\nbootstrap = [\"ok.internal:1\", \"nope\"]", StringComparison.Ordinal);

        var act = () => ConfigLoader.Parse(toml, "t.toml");

        act.Should().Throw<ConfigException>().Which.Problems.Should().Equal("config t.toml:5: gossip.bootstrap[1]: 'nope' has no port; expected host:port");
    }

    [Fact]
    public void Alias_and_name_together_is_refused()
    {
        var toml = Minimal.Replace("addr = \"127.0.0.1:8787\"", "addr = \"127.0.0.1:8787\"\nbind_addr = \"127.0.0.1:8788\"", StringComparison.Ordinal);

        var act = () => ConfigLoader.Parse(toml, "t.toml");

        act.Should().Throw<ConfigException>().Which.Problems.Should().Equal("config t.toml:5: gossip.bind_addr: given twice, also as 'gossip.addr'");
    }

    [Fact]
    public void Toml_syntax_errors_report_the_line()
    {
        var act = () => ConfigLoader.Parse("[db]\npath = \"x.db\"\nschema_paths = [\n[api]\naddr = \n", "t.toml");

        act.Should().Throw<ConfigException>().Which.Problems.Should().NotBeEmpty().And.AllSatisfy(p => p.Should().MatchRegex(@"^config t\.toml:\d+: "));
    }

    [Fact]
    public void Duplicate_keys_are_refused()
    {
        var act = () => ConfigLoader.Parse(Minimal + "\n[log]\ncolors = true\ncolors = false\n", "t.toml");

        act.Should().Throw<ConfigException>().Which.Message.Should().Contain("t.toml:9");
    }

    [Fact]
    public void Db_section_maps_onto_corrosion_options()
    {
        var config = ConfigLoader.Parse(NodeA, "a.toml");
        var options = new CorrosionOptions();

        ConfigMapper.Apply(config, options);

        options.DatabasePath.Should().Be("/var/lib/corrosion/state.db");
        options.SchemaPaths.Should().Equal("/etc/corrosion/schema");
        options.SubscriptionsPath.Should().BeNull();
        options.CacheSizeKib.Should().Be(-1048576);
        options.WalThresholdBytes.Should().Be(5120L * 1024 * 1024, "perf.wal_threshold_mb defaults to 5120");
    }

    [Fact]
    public void Wal_threshold_maps_onto_corrosion_options_in_bytes()
    {
        var config = ConfigLoader.Parse(Minimal + "\n[perf]\nwal_threshold_mb = 64\n", "t.toml");
        var options = new CorrosionOptions();

        ConfigMapper.Apply(config, options);

        options.WalThresholdBytes.Should().Be(64L * 1024 * 1024);
    }

    [Fact]
    public void Bearer_token_maps_onto_http_api_options()
    {
        var config = ConfigLoader.Parse(Minimal + "\nauthz.bearer-token = \"t0k\"\n", "t.toml");
        var options = new HttpApiOptions();

        ConfigMapper.Apply(config, options);

        options.BearerToken.Should().Be("t0k");
    }
}
