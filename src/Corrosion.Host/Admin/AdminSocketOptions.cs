namespace Corrosion.Host.Admin;

/// <summary>Where the admin socket listens.</summary>
internal sealed class AdminSocketOptions
{
    public string Path { get; set; } = Config.AdminConfig.DefaultPath;
}
