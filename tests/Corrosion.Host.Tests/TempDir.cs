namespace Corrosion.Host.Tests;

/// <summary>A temp directory removed on dispose.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir()
    {
        // Short paths: Unix socket paths are limited to ~107 bytes.
        Path = Directory.CreateTempSubdirectory("ch").FullName;
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public string Write(string name, string text)
    {
        var file = Combine(name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(file)!);
        File.WriteAllText(file, text);
        return file;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
