using Corrosion.Schema;

namespace Corrosion.Core.Tests.Schema;

public sealed class SchemaFileLoaderTests : IDisposable
{
    private readonly TempSchemaDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Directory_yields_only_sql_files_directly_in_it_in_name_order()
    {
        var b = _dir.Write("b.sql", "-- b");
        var a = _dir.Write("a.sql", "-- a");
        var upper = _dir.Write("C.sql", "-- C");
        _dir.Write("notes.txt", "-- not schema");
        _dir.Write("data.sqlite", "-- not schema");
        _dir.Write("sub/nested.sql", "-- not loaded: directories are not recursive");

        var files = SchemaFileLoader.Load([_dir.Path]);

        // Ordinal order: upper-case letters sort before lower-case ones.
        files.Should().Equal([("-- C", upper), ("-- a", a), ("-- b", b)]);
    }

    [Fact]
    public void Files_and_directories_are_read_in_the_order_given()
    {
        var single = _dir.Write("extra/one.sql", "-- one");
        var a = _dir.Write("a.sql", "-- a");

        var files = SchemaFileLoader.Load([single, _dir.Path]);

        files.Should().Equal([("-- one", single), ("-- a", a)]);
    }

    [Fact]
    public void A_file_named_twice_is_read_once()
    {
        var a = _dir.Write("a.sql", "-- a");

        var files = SchemaFileLoader.Load([a, _dir.Path]);

        files.Should().Equal([("-- a", a)]);
    }

    [Fact]
    public void Empty_directory_yields_nothing()
    {
        SchemaFileLoader.Load([_dir.Path]).Should().BeEmpty();
    }

    [Fact]
    public void Missing_path_is_refused_by_name()
    {
        var missing = Path.Combine(_dir.Path, "nope.sql");

        var act = () => SchemaFileLoader.Load([missing]);

        act.Should().Throw<SchemaException>()
            .Which.Message.Should().Be($"schema path {missing} does not exist (CorrosionOptions.SchemaPaths, db.schema_paths, names a missing file or directory)");
    }

    [Fact]
    public void A_missing_relative_path_is_reported_with_the_full_path_it_was_looked_for_at()
    {
        var relative = Path.Combine("no-such-schema-dir", Guid.NewGuid().ToString("N"), "todos.sql");

        var act = () => SchemaFileLoader.Load([relative]);

        act.Should().Throw<SchemaException>().Which.Message.Should().Be(
            $"schema path {relative} does not exist (CorrosionOptions.SchemaPaths, db.schema_paths, names a missing file or directory); "
            + $"a relative path is resolved against the current directory, so it was looked for at {Path.GetFullPath(relative)}");
    }
}
