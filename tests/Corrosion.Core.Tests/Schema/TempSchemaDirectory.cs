using Corrosion.Schema;

namespace Corrosion.Core.Tests.Schema;

/// <summary>A real temporary directory of schema files, deleted on dispose.</summary>
internal sealed class TempSchemaDirectory : IDisposable
{
    public TempSchemaDirectory()
    {
        Path = Directory.CreateTempSubdirectory("corrosion-schema-").FullName;
    }

    public string Path { get; }

    /// <summary>Writes <paramref name="sql"/> to <paramref name="name"/> in the directory and returns its path.</summary>
    public string Write(string name, string sql)
    {
        var file = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(file)!);
        File.WriteAllText(file, sql);
        return file;
    }

    /// <summary>Writes one file and parses the whole directory, as the engine does at startup.</summary>
    public SchemaDefinition Parse(string name, string sql)
    {
        Write(name, sql);
        return SchemaParser.Parse(SchemaFileLoader.Load([Path]));
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
