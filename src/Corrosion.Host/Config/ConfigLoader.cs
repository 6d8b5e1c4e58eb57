namespace Corrosion.Host.Config;

/// <summary>
/// Finds and reads the config: <c>-c/--config</c> when given (a missing file is an error), else
/// <c>/etc/corrosion/config.toml</c>, else (that file does not exist at all) the embedded default config with its
/// data under <c>./corrosion-data</c>. Command-line overrides are applied last.
/// </summary>
internal static class ConfigLoader
{
    public const string DefaultPath = "/etc/corrosion/config.toml";
    public const string EmbeddedSource = "<built-in default>";
    private const string EmbeddedResourceName = "Corrosion.Host.Config.default-config.toml";

    /// <summary>Loads the config for a command.</summary>
    /// <param name="explicitPath">The <c>-c/--config</c> value, or null.</param>
    /// <param name="overrides">Command-line overrides.</param>
    /// <param name="defaultPath">Where to look when no path is given (tests point this elsewhere).</param>
    /// <param name="workingDirectory">Base for the embedded default's relative paths; the current directory when null.</param>
    /// <param name="environment">Variables for <c>CORROSION_SECTION__FIELD</c> overrides; the process environment when null.</param>
    public static LoadedConfig Load(
        string? explicitPath, ConfigOverrides overrides, string defaultPath = DefaultPath, string? workingDirectory = null, System.Collections.IDictionary? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariables();
        LoadedConfig loaded;
        if (explicitPath is not null)
        {
            if (!File.Exists(explicitPath))
            {
                throw new ConfigException($"config file '{explicitPath}' does not exist");
            }

            loaded = new LoadedConfig(ParseFile(explicitPath, environment), explicitPath, false);
        }
        else if (File.Exists(defaultPath))
        {
            loaded = new LoadedConfig(ParseFile(defaultPath, environment), defaultPath, false);
        }
        else
        {
            var config = ConfigParser.Parse(ReadEmbeddedDefault(), EmbeddedSource, environment);
            var baseDir = workingDirectory ?? Directory.GetCurrentDirectory();
            config.Db.Path = Path.GetFullPath(config.Db.Path, baseDir);
            config.Db.SchemaPaths = [.. config.Db.SchemaPaths.Select(p => Path.GetFullPath(p, baseDir))];
            config.Admin.Path = Path.GetFullPath(config.Admin.Path, baseDir);
            loaded = new LoadedConfig(config, EmbeddedSource, true);
        }

        Apply(loaded.Config, overrides);
        return loaded;
    }

    /// <summary>Parses one config file; throws <see cref="ConfigException"/> listing every problem.</summary>
    public static CorrosionConfig ParseFile(string path, System.Collections.IDictionary? environment = null)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"config {path}: cannot read: {ex.Message}", ex);
        }

        return ConfigParser.Parse(text, path, environment);
    }

    /// <summary>Parses config text (source names the origin in error messages).</summary>
    public static CorrosionConfig Parse(string text, string source) => ConfigParser.Parse(text, source);

    /// <summary>The embedded default config's TOML.</summary>
    public static string ReadEmbeddedDefault()
    {
        using var stream = typeof(ConfigLoader).Assembly.GetManifestResourceStream(EmbeddedResourceName)
            ?? throw new InvalidOperationException($"embedded resource {EmbeddedResourceName} is missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Applies command-line overrides; a bad <c>--api-addr</c> throws <see cref="ConfigException"/>.</summary>
    public static void Apply(CorrosionConfig config, ConfigOverrides overrides)
    {
        var problems = new List<string>();
        if (overrides.ApiAddr is { } apiAddr)
        {
            try
            {
                config.Api.Addrs = [ConfigParser.ParseOverride("--api-addr", apiAddr)];
            }
            catch (ConfigException ex)
            {
                problems.Add(ex.Message);
            }
        }

        if (overrides.DbPath is { } dbPath)
        {
            if (dbPath.Length == 0)
            {
                problems.Add("--db-path: must not be empty");
            }

            config.Db.Path = dbPath;
        }

        if (overrides.AdminPath is { } adminPath)
        {
            if (adminPath.Length == 0)
            {
                problems.Add("--admin-path: must not be empty");
            }

            config.Admin.Path = adminPath;
        }

        if (problems.Count > 0)
        {
            throw new ConfigException(problems);
        }
    }
}
