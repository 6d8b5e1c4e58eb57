using Corrosion.Options;

namespace Corrosion.TestKit;

/// <summary>Opens real nodes on temp databases.</summary>
public static class NodeFactory
{
    /// <summary>Opens a node in <paramref name="directory"/>/<paramref name="name"/> with the given schema text.</summary>
    public static Task<CorrosionNode> OpenAsync(TempDirectory directory, string name, params string[] schemas) =>
        OpenAsync(directory, name, configure: null, schemas);

    /// <summary>As <see cref="OpenAsync(TempDirectory, string, string[])"/>, with the options adjusted by <paramref name="configure"/>.</summary>
    public static Task<CorrosionNode> OpenAsync(TempDirectory directory, string name, Action<CorrosionOptions>? configure, params string[] schemas)
    {
        var schemaDir = directory.Combine(name, "schema");
        Directory.CreateDirectory(schemaDir);
        for (var i = 0; i < schemas.Length; i++)
        {
            File.WriteAllText(Path.Combine(schemaDir, $"{i:00}.sql"), schemas[i]);
        }

        var options = new CorrosionOptions
        {
            DatabasePath = directory.Combine(name, "state.db"),
            SchemaPaths = [schemaDir],
            ReadConnections = 2,
        };
        configure?.Invoke(options);
        return CorrosionNode.OpenAsync(options);
    }
}
