namespace Corrosion.Schema;

/// <summary>Reads the schema files named by <c>db.schema_paths</c>.</summary>
internal static class SchemaFileLoader
{
    /// <summary>
    /// Returns the text and path of every schema file: a file path is read as is; a directory contributes each
    /// <c>*.sql</c> file directly in it (not in subdirectories), in ordinal name order. A file reached twice is
    /// read once.
    /// </summary>
    /// <exception cref="SchemaException">A path does not exist or a file cannot be read.</exception>
    public static IReadOnlyList<(string Sql, string Source)> Load(IEnumerable<string> schemaPaths)
    {
        var files = new List<(string Sql, string Source)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in schemaPaths)
        {
            IEnumerable<string> paths;
            if (Directory.Exists(path))
            {
                paths = Directory.EnumerateFiles(path, "*", SearchOption.TopDirectoryOnly)
                    .Where(f => Path.GetExtension(f).Equals(".sql", StringComparison.OrdinalIgnoreCase))
                    .OrderBy(f => Path.GetFileName(f), StringComparer.Ordinal);
            }
            else if (File.Exists(path))
            {
                paths = [path];
            }
            else
            {
                var message = $"schema path {path} does not exist (CorrosionOptions.SchemaPaths, db.schema_paths, names a missing file or directory)";
                throw new SchemaException(Path.IsPathFullyQualified(path)
                    ? message
                    : $"{message}; a relative path is resolved against the current directory, so it was looked for at {Path.GetFullPath(path)}");
            }

            foreach (var file in paths)
            {
                if (seen.Add(Path.GetFullPath(file)))
                {
                    files.Add((Read(file), file));
                }
            }
        }

        return files;
    }

    private static string Read(string file)
    {
        try
        {
            return File.ReadAllText(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SchemaException($"schema file {file}: cannot be read: {ex.Message}", ex);
        }
    }
}
