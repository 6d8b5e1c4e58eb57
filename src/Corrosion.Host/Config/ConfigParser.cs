using System.Net;

namespace Corrosion.Host.Config;

/// <summary>
/// Turns config TOML into a validated <see cref="CorrosionConfig"/>. Every problem is collected and thrown together
/// as one <see cref="ConfigException"/>, each line naming the file, line and key:
/// <c>config /etc/corrosion/config.toml:7: gossip.adr: unknown key</c>. Unknown keys are refused on purpose (a typo
/// would otherwise silently fall back to a default).
/// </summary>
internal static class ConfigParser
{
    public static CorrosionConfig Parse(string text, string source, System.Collections.IDictionary? environment = null)
    {
        var problems = new List<ConfigProblem>();
        var document = TomlDocumentReader.Read(text, source, problems);
        if (problems.Count > 0)
        {
            throw Fail(problems, source);
        }

        var variables = EnvironmentOverrides.Apply(document, environment, problems);

        var root = new TableReader(document, string.Empty, problems);
        var config = new CorrosionConfig();

        var db = root.Table("db");
        if (db is null)
        {
            problems.Add(new ConfigProblem(0, "db", "required section [db] is missing"));
        }
        else
        {
            ReadDb(db, config.Db);
        }

        var gossip = root.Table("gossip");
        if (gossip is null)
        {
            problems.Add(new ConfigProblem(0, "gossip", "required section [gossip] is missing"));
        }
        else
        {
            ReadGossip(gossip, config.Gossip);
        }

        var api = root.Table("api");
        if (api is null)
        {
            problems.Add(new ConfigProblem(0, "api", "required section [api] is missing"));
        }
        else
        {
            ReadApi(api, config.Api);
        }

        if (root.Table("admin") is { } admin)
        {
            config.Admin.Path = admin.FilePath("path", "uds_path") ?? config.Admin.Path;
        }

        if (root.Table("telemetry") is { } telemetry)
        {
            ReadTelemetry(telemetry, config.Telemetry);
        }

        if (root.Table("log") is { } log)
        {
            ReadLog(log, config.Log);
        }

        if (root.Table("consul") is { } consul)
        {
            config.Consul = ReadConsul(consul);
        }

        if (root.Table("perf") is { } perf)
        {
            ReadPerf(perf, config.Perf);
        }

        if (root.Table("reaper") is { } reaper)
        {
            config.Reaper = ReadReaper(reaper);
        }

        root.Finish();

        // SECTION__FIELD without our prefix is a common shape for other programs' variables (DB__PASSWORD); like
        // the original, which ignores unknown keys, we skip the ones that name no key of ours. Values of keys we
        // do know are still checked, and CORROSION_ variables still refuse unknown keys (a typo must not pass).
        problems.RemoveAll(p => p.Line < 0 && p.Message == TableReader.UnknownKey &&
                                !variables[-p.Line - 1].StartsWith(EnvironmentOverrides.Prefix, StringComparison.OrdinalIgnoreCase));
        if (problems.Count > 0)
        {
            throw Fail(problems, source, variables);
        }

        return config;
    }

    private static ConfigException Fail(List<ConfigProblem> problems, string source, IReadOnlyList<string>? variables = null) =>
        new([.. problems.OrderBy(p => p.Line < 0 ? (long)int.MaxValue - p.Line : p.Line).Select(p => p.Format(source, variables))]);

    private static void ReadDb(TableReader db, DbConfig config)
    {
        config.Path = db.RequiredString("path");
        config.SchemaPaths = db.PathList("schema_paths") ?? config.SchemaPaths;
        config.SubscriptionsPath = db.FilePath("subscriptions_path");
        config.CacheSizeKib = db.Integer("cache_size_kib") ?? config.CacheSizeKib;
    }

    private static void ReadGossip(TableReader gossip, GossipConfig config)
    {
        if (gossip.Take("addr", "bind_addr") is var (key, node))
        {
            config.Addr = gossip.ParseEndPoint(node, key) ?? config.Addr;
        }
        else
        {
            gossip.Missing("addr");
        }

        config.ExternalAddr = gossip.EndPoint("external_addr");
        config.ClientAddr = gossip.EndPoint("client_addr") ?? config.ClientAddr;
        if (gossip.Take("bootstrap") is var (bootstrapKey, bootstrap))
        {
            config.Bootstrap = ReadBootstrap(gossip, bootstrapKey, bootstrap);
        }

        config.Plaintext = gossip.Bool("plaintext") ?? false;
        config.MaxMtu = (int?)gossip.Integer("max_mtu", GossipConfig.MinMtu, 65535);
        config.IdleTimeoutSecs = (int?)gossip.Integer("idle_timeout_secs", 1, int.MaxValue) ?? config.IdleTimeoutSecs;
        config.DisableGso = gossip.Bool("disable_gso") ?? false;
        config.MemberId = gossip.Integer("member_id", 0);

        if (gossip.Table("tls") is { } tls)
        {
            config.Tls = new GossipTlsConfig
            {
                CertFile = tls.RequiredString("cert_file"),
                KeyFile = tls.RequiredString("key_file"),
                CaFile = tls.FilePath("ca_file"),
                Insecure = tls.Bool("insecure") ?? false,
            };
            if (tls.Table("client") is { } client)
            {
                config.Tls.Client = new TlsClientCertConfig
                {
                    CertFile = client.RequiredString("cert_file"),
                    KeyFile = client.RequiredString("key_file"),
                };
            }
        }

        if (gossip.Table("compression") is { } compression)
        {
            config.Compression = new CompressionConfig
            {
                Enabled = compression.Bool("enabled") ?? false,
                Level = (int?)compression.Integer("level", 1, 22) ?? 3,
                DictDir = compression.FilePath("dict_dir"),
                DictFile = compression.FilePath("dict_file"),
            };
            if (config.Compression.DictFile is not null && config.Compression.DictDir is null)
            {
                compression.Problem(compression.Line, "dict_file", "needs dict_dir");
            }
        }

        if (gossip.Take("broadcast") is var (broadcastKey, broadcast))
        {
            ReadBroadcast(gossip, broadcastKey, broadcast, config.Broadcast);
        }
    }

    private static List<string> ReadBootstrap(TableReader gossip, string key, TomlNode node)
    {
        var list = new List<string>();
        if (node.Kind != TomlNodeKind.Array)
        {
            gossip.Problem(node.Line, key, $"expected an array of \"host:port\" strings, found {node.Describe()}");
            return list;
        }

        for (var i = 0; i < node.Items.Count; i++)
        {
            var item = node.Items[i];
            if (item.Kind != TomlNodeKind.String)
            {
                gossip.Problem(item.Line, $"{key}[{i}]", $"expected a string, found {item.Describe()}");
                continue;
            }

            var text = (string)item.Scalar!;
            var at = text.IndexOf('@', StringComparison.Ordinal);
            var peer = at < 0 ? text : text[..at];
            if (!Addresses.TryParseHostPort(peer, out _, out _, out var error))
            {
                gossip.Problem(item.Line, $"{key}[{i}]", error);
                continue;
            }

            if (at >= 0 && !Addresses.TryParseEndPoint(text[(at + 1)..], out _, out var dnsError))
            {
                gossip.Problem(item.Line, $"{key}[{i}]", "DNS server " + dnsError);
                continue;
            }

            list.Add(text);
        }

        return list;
    }

    private static void ReadBroadcast(TableReader gossip, string key, TomlNode node, BroadcastConfig config)
    {
        if (node.Kind == TomlNodeKind.String)
        {
            if ((string)node.Scalar! != "gossip")
            {
                gossip.Problem(node.Line, key, $"'{node.Scalar}' is not a broadcast mode (\"gossip\" or {{ plumtree = {{ ... }} }})");
            }

            return;
        }

        if (gossip.Child(node, key) is not { } table)
        {
            return;
        }

        if (table.Table("plumtree") is not { } plumtree)
        {
            table.Problem(node.Line, "plumtree", "required key is missing");
            return;
        }

        config.Mode = "plumtree";
        config.PruneThreshold = (int?)plumtree.Integer("prune_threshold", 0, int.MaxValue) ?? config.PruneThreshold;
        config.OptimizationThreshold = (int?)plumtree.Integer("optimization_threshold", 0, int.MaxValue);
        config.BatchGossip = plumtree.Bool("batch_gossip") ?? false;
        config.PruneThrottleSecs = (int?)plumtree.Integer("prune_throttle_secs", 0, int.MaxValue) ?? config.PruneThrottleSecs;
        if (plumtree.Take("eager_ratios") is var (ratiosKey, ratios))
        {
            if (ratios.Kind != TomlNodeKind.Array)
            {
                plumtree.Problem(ratios.Line, ratiosKey, $"expected an array of numbers, found {ratios.Describe()}");
            }
            else
            {
                foreach (var item in ratios.Items)
                {
                    if (item.Kind is TomlNodeKind.Float or TomlNodeKind.Integer)
                    {
                        config.EagerRatios.Add(Convert.ToDouble(item.Scalar, System.Globalization.CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        plumtree.Problem(item.Line, ratiosKey, $"expected a number, found {item.Describe()}");
                    }
                }
            }
        }
    }

    private static void ReadApi(TableReader api, ApiConfig config)
    {
        if (api.Take("addr", "bind_addr") is var (key, node))
        {
            if (node.Kind == TomlNodeKind.Array)
            {
                for (var i = 0; i < node.Items.Count; i++)
                {
                    if (api.ParseEndPoint(node.Items[i], $"{key}[{i}]") is { } endPoint)
                    {
                        config.Addrs.Add(endPoint);
                    }
                }

                if (node.Items.Count == 0)
                {
                    api.Problem(node.Line, key, "needs at least one address");
                }
            }
            else if (api.ParseEndPoint(node, key) is { } endPoint)
            {
                config.Addrs.Add(endPoint);
            }
        }
        else
        {
            api.Missing("addr");
        }

        config.EndpointName = api.String("endpoint_name");
        if (api.Table("authz", "authorization") is { } authz)
        {
            config.BearerToken = authz.String("bearer-token", "bearer");
            if (config.BearerToken is { Length: 0 })
            {
                authz.Problem(authz.Line, "bearer-token", "must not be empty");
            }
        }

        if (api.Take("pg") is var (pgKey, pg))
        {
            if (pg.Kind == TomlNodeKind.Array)
            {
                for (var i = 0; i < pg.Items.Count; i++)
                {
                    if (api.Child(pg.Items[i], $"{pgKey}[{i}]") is { } table)
                    {
                        config.Pg.Add(ReadPg(table));
                    }
                }
            }
            else if (api.Child(pg, pgKey) is { } table)
            {
                config.Pg.Add(ReadPg(table));
            }
        }
    }

    private static PgConfig ReadPg(TableReader pg)
    {
        var config = new PgConfig();
        if (pg.Take("addr", "bind_addr") is var (key, node))
        {
            config.Addr = pg.ParseEndPoint(node, key) ?? config.Addr;
        }
        else
        {
            pg.Missing("addr");
        }

        config.Readonly = pg.Bool("readonly") ?? false;
        if (pg.Table("tls") is { } tls)
        {
            config.Tls = new PgTlsConfig
            {
                CertFile = tls.RequiredString("cert_file"),
                KeyFile = tls.RequiredString("key_file"),
                CaFile = tls.FilePath("ca_file"),
                VerifyClient = tls.Bool("verify_client") ?? false,
            };
        }

        return config;
    }

    private static void ReadTelemetry(TableReader telemetry, TelemetryConfig config)
    {
        if (telemetry.Table("prometheus") is { } prometheus)
        {
            if (prometheus.Take("addr", "bind_addr") is var (key, node))
            {
                config.PrometheusAddr = prometheus.ParseEndPoint(node, key);
            }
            else
            {
                prometheus.Missing("addr");
            }
        }

        if (telemetry.Take("open-telemetry") is var (otelKey, otel))
        {
            if (otel.Kind == TomlNodeKind.String)
            {
                var mode = (string)otel.Scalar!;
                if (mode is "from-env" or "from_env")
                {
                    config.OpenTelemetry = new OpenTelemetryConfig { FromEnv = true };
                }
                else
                {
                    telemetry.Problem(otel.Line, otelKey, $"'{mode}' is not \"from-env\" or {{ exporter = {{ endpoint = \"...\" }} }}");
                }
            }
            else if (telemetry.Child(otel, otelKey) is { } table)
            {
                if (table.Table("exporter") is { } exporter)
                {
                    var endpoint = exporter.RequiredString("endpoint");
                    Uri? uri = null;
                    if (endpoint.Length > 0 && !OpenTelemetryConfig.TryParseEndpoint(endpoint, out uri))
                    {
                        exporter.Problem(exporter.Take("endpoint") is var (_, node) ? node.Line : exporter.Line, "endpoint", $"'{endpoint}' is not a host:port or an http(s):// URL");
                    }

                    config.OpenTelemetry = new OpenTelemetryConfig { ExporterEndpoint = endpoint, ExporterUri = uri };
                }
                else
                {
                    table.Missing("exporter");
                }
            }
        }
    }

    private static void ReadLog(TableReader log, LogConfig config)
    {
        if (log.Take("format") is var (key, node))
        {
            if (node.Kind != TomlNodeKind.String)
            {
                log.Problem(node.Line, key, $"expected \"plaintext\" or \"json\", found {node.Describe()}");
            }
            else
            {
                switch ((string)node.Scalar!)
                {
                    case "plaintext":
                        config.Format = LogFormat.Plaintext;
                        break;
                    case "json":
                        config.Format = LogFormat.Json;
                        break;
                    default:
                        log.Problem(node.Line, key, $"'{node.Scalar}' is not \"plaintext\" or \"json\"");
                        break;
                }
            }
        }

        config.Colors = log.Bool("colors") ?? config.Colors;
    }

    private static ConsulConfig ReadConsul(TableReader consul)
    {
        var config = new ConsulConfig();
        if (consul.Table("client") is not { } client)
        {
            consul.Missing("client");
            return config;
        }

        if (client.Take("address", "addr") is var (key, node))
        {
            if (node.Kind != TomlNodeKind.String)
            {
                client.Problem(node.Line, key, $"expected a string \"host:port\", found {node.Describe()}");
            }
            else if (!Addresses.TryParseHostPort((string)node.Scalar!, out _, out _, out var error))
            {
                client.Problem(node.Line, key, error);
            }
            else
            {
                config.Address = (string)node.Scalar!;
            }
        }

        if (client.Table("tls") is { } tls)
        {
            config.Tls = new ConsulTlsConfig
            {
                CaFile = tls.String("ca_file"),
                CertFile = tls.String("cert_file"),
                KeyFile = tls.String("key_file"),
            };
        }

        return config;
    }

    private static void ReadPerf(TableReader perf, PerfConfig config)
    {
        config.ApplyChannelLen = perf.Integer("apply_channel_len", 1) ?? config.ApplyChannelLen;
        config.ChangesChannelLen = perf.Integer("changes_channel_len", 1) ?? config.ChangesChannelLen;
        config.EmptiesChannelLen = perf.Integer("empties_channel_len", 1) ?? config.EmptiesChannelLen;
        config.ToSendChannelLen = perf.Integer("to_send_channel_len", 1) ?? config.ToSendChannelLen;
        config.NotificationsChannelLen = perf.Integer("notifications_channel_len", 1) ?? config.NotificationsChannelLen;
        config.ScheduleChannelLen = perf.Integer("schedule_channel_len", 1) ?? config.ScheduleChannelLen;
        config.ClearbufChannelLen = perf.Integer("clearbuf_channel_len", 1) ?? config.ClearbufChannelLen;
        config.BcastChannelLen = perf.Integer("bcast_channel_len", 1) ?? config.BcastChannelLen;
        config.FocaChannelLen = perf.Integer("foca_channel_len", 1) ?? config.FocaChannelLen;
        config.WalThresholdMb = perf.Integer("wal_threshold_mb", 0) ?? config.WalThresholdMb;
        config.SqlTxTimeout = perf.Integer("sql_tx_timeout", 0) ?? config.SqlTxTimeout;
        config.MinSyncBackoff = perf.Integer("min_sync_backoff", 0) ?? config.MinSyncBackoff;
        config.MaxSyncBackoff = perf.Integer("max_sync_backoff", 0) ?? config.MaxSyncBackoff;
        config.PartialRetryBackoff = perf.Integer("partial_retry_backoff", 0) ?? config.PartialRetryBackoff;
        config.ProcessingQueueLen = perf.Integer("processing_queue_len", 1) ?? config.ProcessingQueueLen;
        config.ApplyQueueTimeout = perf.Integer("apply_queue_timeout", 0) ?? config.ApplyQueueTimeout;
        config.ApplyQueueMinBatchSize = perf.Integer("apply_queue_min_batch_size", 1) ?? config.ApplyQueueMinBatchSize;
        config.ApplyQueueStepBase = perf.Integer("apply_queue_step_base", 1) ?? config.ApplyQueueStepBase;
        config.ApplyQueueMaxBatchSize = perf.Integer("apply_queue_max_batch_size", 1) ?? config.ApplyQueueMaxBatchSize;
        config.ApplyQueueBatchThresholdRatio = perf.Float("apply_queue_batch_threshold_ratio") ?? config.ApplyQueueBatchThresholdRatio;
        if (config.MinSyncBackoff > config.MaxSyncBackoff)
        {
            perf.Problem(perf.Line, "min_sync_backoff", $"{config.MinSyncBackoff} is greater than max_sync_backoff ({config.MaxSyncBackoff})");
        }
    }

    private static ReaperConfig ReadReaper(TableReader reaper)
    {
        var config = new ReaperConfig
        {
            CheckInterval = reaper.Integer("check_interval", 1) ?? 3600,
            CheckOrphanedPks = reaper.Bool("check_orphaned_pks") ?? false,
            RowLimit = reaper.Integer("row_limit", 1) ?? 500,
        };
        if (reaper.Table("tables") is { } tables)
        {
            foreach (var (name, node) in tables.TakeAll().ToList())
            {
                if (tables.Child(node, name) is { } table)
                {
                    config.Tables[name] = new ReaperTableConfig
                    {
                        Retention = table.RequiredString("retention"),
                        MatchFilter = table.String("match_filter"),
                    };
                }
            }
        }

        return config;
    }

    /// <summary>Parses a bind address given on the command line (e.g. <c>--api-addr</c>).</summary>
    public static IPEndPoint ParseOverride(string option, string value)
    {
        if (!Addresses.TryParseEndPoint(value, out var endPoint, out var error))
        {
            throw new ConfigException($"{option}: {error}");
        }

        return endPoint;
    }
}
