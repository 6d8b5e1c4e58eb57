using Corrosion.Options;

namespace Corrosion.TestKit;

/// <summary>Opens real nodes on temp databases.</summary>
public static class NodeFactory
{
    /// <summary>Opens a node in <paramref name="directory"/>/<paramref name="name"/> with the given schema text.</summary>
    public static Task<CorrosionNode> OpenAsync(TempDirectory directory, string name, params string[] schemas)
    {
        var schemaDir = directory.Combine(name, "schema");
        Directory.CreateDirectory(schemaDir);
        for (var i = 0; i < schemas.Length; i++)
        {
            File.WriteAllText(Path.Combine(schemaDir, $"{i:00}.sql"), schemas[i]);
        }

        return CorrosionNode.OpenAsync(new CorrosionOptions
        {
            DatabasePath = directory.Combine(name, "state.db"),
            SchemaPaths = [schemaDir],
            ReadConnections = 2,
        });
    }
}
