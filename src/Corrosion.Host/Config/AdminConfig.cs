namespace Corrosion.Host.Config;

/// <summary><c>[admin]</c>: the admin Unix socket.</summary>
internal sealed class AdminConfig
{
    public const string DefaultPath = "/var/run/corrosion/admin.sock";

    /// <summary><c>admin.path</c> (alias <c>uds_path</c>). Default <c>/var/run/corrosion/admin.sock</c>.</summary>
    public string Path { get; set; } = DefaultPath;
}
