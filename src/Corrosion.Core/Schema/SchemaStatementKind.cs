namespace Corrosion.Schema;

internal enum SchemaStatementKind
{
    CreateTable,
    CreateIndex,

    /// <summary>Anything else; schema files may not hold it.</summary>
    Other,
}
