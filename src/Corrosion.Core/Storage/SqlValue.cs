using System.Globalization;
using System.Text;

namespace Corrosion.Storage;

/// <summary>The storage class of a SQLite value, with SQLite's own type codes.</summary>
public enum SqlValueKind : byte
{
    /// <summary>A 64-bit signed integer (SQLITE_INTEGER, 1).</summary>
    Integer = 1,
    /// <summary>A 64-bit IEEE floating point number (SQLITE_FLOAT, 2).</summary>
    Real = 2,
    /// <summary>A string (SQLITE_TEXT, 3).</summary>
    Text = 3,
    /// <summary>A byte array (SQLITE_BLOB, 4).</summary>
    Blob = 4,
    /// <summary>SQL NULL (SQLITE_NULL, 5).</summary>
    Null = 5,
}

/// <summary>One SQLite value: what a column holds, a statement parameter, or a CRDT change's <c>val</c>.</summary>
public readonly struct SqlValue : IEquatable<SqlValue>, IComparable<SqlValue>
{
    private readonly SqlValueKind _kind;
    private readonly long _integer;
    private readonly double _real;
    private readonly object? _reference;

    private SqlValue(SqlValueKind kind, long integer, double real, object? reference)
    {
        _kind = kind;
        _integer = integer;
        _real = real;
        _reference = reference;
    }

    /// <summary>SQL NULL (the same as <c>default(SqlValue)</c>).</summary>
    public static SqlValue Null => default;

    /// <summary>The storage class; <c>default(SqlValue)</c> is NULL.</summary>
    public SqlValueKind Kind => _kind == 0 ? SqlValueKind.Null : _kind;

    /// <summary>True for SQL NULL.</summary>
    public bool IsNull => Kind == SqlValueKind.Null;

    /// <summary>An INTEGER value.</summary>
    public static SqlValue FromInteger(long value) => new(SqlValueKind.Integer, value, 0, null);

    /// <summary>A REAL value.</summary>
    public static SqlValue FromReal(double value) => new(SqlValueKind.Real, 0, value, null);

    /// <summary>A TEXT value.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="value"/> is null (use <see cref="Null"/>).</exception>
    public static SqlValue FromText(string value) => new(SqlValueKind.Text, 0, 0, value ?? throw new ArgumentNullException(nameof(value)));

    /// <summary>A BLOB value.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="value"/> is null (use <see cref="Null"/>).</exception>
    public static SqlValue FromBlob(byte[] value) => new(SqlValueKind.Blob, 0, 0, value ?? throw new ArgumentNullException(nameof(value)));

    /// <summary>An INTEGER value.</summary>
    public static implicit operator SqlValue(long value) => FromInteger(value);

    /// <summary>A REAL value.</summary>
    public static implicit operator SqlValue(double value) => FromReal(value);

    /// <summary>A TEXT value, or NULL for a null string.</summary>
    public static implicit operator SqlValue(string? value) => value is null ? Null : FromText(value);

    /// <summary>A BLOB value, or NULL for a null array.</summary>
    public static implicit operator SqlValue(byte[]? value) => value is null ? Null : FromBlob(value);

    /// <summary>The INTEGER value.</summary>
    /// <exception cref="InvalidOperationException">The value is of another storage class (see <see cref="Kind"/>).</exception>
    public long AsInteger => Kind == SqlValueKind.Integer ? _integer : throw new InvalidOperationException($"value is {Kind}, not Integer");

    /// <summary>The REAL value.</summary>
    /// <exception cref="InvalidOperationException">The value is of another storage class (see <see cref="Kind"/>).</exception>
    public double AsReal => Kind == SqlValueKind.Real ? _real : throw new InvalidOperationException($"value is {Kind}, not Real");

    /// <summary>The TEXT value.</summary>
    /// <exception cref="InvalidOperationException">The value is of another storage class (see <see cref="Kind"/>).</exception>
    public string AsText => Kind == SqlValueKind.Text ? (string)_reference! : throw new InvalidOperationException($"value is {Kind}, not Text");

    /// <summary>The BLOB value.</summary>
    /// <exception cref="InvalidOperationException">The value is of another storage class (see <see cref="Kind"/>).</exception>
    public byte[] AsBlob => Kind == SqlValueKind.Blob ? (byte[])_reference! : throw new InvalidOperationException($"value is {Kind}, not Blob");

    /// <summary>The value as a plain CLR object (null, long, double, string or byte[]).</summary>
    public object? ToObject() => Kind switch
    {
        SqlValueKind.Integer => _integer,
        SqlValueKind.Real => _real,
        SqlValueKind.Text or SqlValueKind.Blob => _reference,
        _ => null,
    };

    /// <summary>
    /// cr-sqlite's value order: different storage classes compare by type code where the lower code is
    /// greater (INTEGER &gt; REAL &gt; TEXT &gt; BLOB &gt; NULL); within a class, numbers numerically, text by
    /// UTF-8 bytes, blobs by memcmp.
    /// </summary>
    public int CompareTo(SqlValue other)
    {
        var a = IsNull ? SqlValueKind.Null : Kind;
        var b = other.IsNull ? SqlValueKind.Null : other.Kind;
        if (a != b)
        {
            return ((byte)b).CompareTo((byte)a);
        }

        return a switch
        {
            SqlValueKind.Integer => _integer.CompareTo(other._integer),
            SqlValueKind.Real => _real.CompareTo(other._real),
            SqlValueKind.Text => CompareUtf8((string)_reference!, (string)other._reference!),
            SqlValueKind.Blob => ((byte[])_reference!).AsSpan().SequenceCompareTo((byte[])other._reference!),
            _ => 0,
        };
    }

    private static int CompareUtf8(string a, string b)
    {
        // Ordinal UTF-16 order differs from UTF-8 byte order only for surrogate pairs vs U+E000..U+FFFF.
        // Comparing by code point gives the UTF-8 byte order.
        var ea = a.EnumerateRunes();
        var eb = b.EnumerateRunes();
        while (true)
        {
            var hasA = ea.MoveNext();
            var hasB = eb.MoveNext();
            if (!hasA || !hasB)
            {
                return hasA.CompareTo(hasB);
            }

            var c = ea.Current.Value.CompareTo(eb.Current.Value);
            if (c != 0)
            {
                return c;
            }
        }
    }

    /// <summary>Type-aware equality: 1 and 1.0 differ, as cr-sqlite sees them.</summary>
    public bool Equals(SqlValue other) => Kind == other.Kind && CompareTo(other) == 0;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is SqlValue v && Equals(v);

    /// <inheritdoc/>
    public override int GetHashCode() => Kind switch
    {
        SqlValueKind.Integer => HashCode.Combine(Kind, _integer),
        SqlValueKind.Real => HashCode.Combine(Kind, _real),
        SqlValueKind.Text => HashCode.Combine(Kind, _reference),
        SqlValueKind.Blob => HashCode.Combine(Kind, ((byte[])_reference!).Length, ((byte[])_reference!).Length > 0 ? ((byte[])_reference!)[0] : 0),
        _ => 0,
    };

    /// <summary>Type-aware equality (see <see cref="Equals(SqlValue)"/>): 1 and 1.0 differ.</summary>
    public static bool operator ==(SqlValue left, SqlValue right) => left.Equals(right);

    /// <summary>Type-aware inequality (see <see cref="Equals(SqlValue)"/>): 1 and 1.0 differ.</summary>
    public static bool operator !=(SqlValue left, SqlValue right) => !left.Equals(right);

    /// <summary>Whether <paramref name="left"/> sorts before <paramref name="right"/> in cr-sqlite's value order (see <see cref="CompareTo(SqlValue)"/>).</summary>
    public static bool operator <(SqlValue left, SqlValue right) => left.CompareTo(right) < 0;

    /// <summary>Whether <paramref name="left"/> sorts after <paramref name="right"/> in cr-sqlite's value order (see <see cref="CompareTo(SqlValue)"/>).</summary>
    public static bool operator >(SqlValue left, SqlValue right) => left.CompareTo(right) > 0;

    /// <summary>Whether <paramref name="left"/> sorts before or the same as <paramref name="right"/> in cr-sqlite's value order (see <see cref="CompareTo(SqlValue)"/>).</summary>
    public static bool operator <=(SqlValue left, SqlValue right) => left.CompareTo(right) <= 0;

    /// <summary>Whether <paramref name="left"/> sorts after or the same as <paramref name="right"/> in cr-sqlite's value order (see <see cref="CompareTo(SqlValue)"/>).</summary>
    public static bool operator >=(SqlValue left, SqlValue right) => left.CompareTo(right) >= 0;

    /// <summary>The value as <c>sqlite3</c>'s list mode prints it (NULL as empty, blobs as their bytes).</summary>
    public override string ToString() => Kind switch
    {
        SqlValueKind.Integer => _integer.ToString(CultureInfo.InvariantCulture),
        SqlValueKind.Real => _real.ToString("R", CultureInfo.InvariantCulture),
        SqlValueKind.Text => (string)_reference!,
        SqlValueKind.Blob => Encoding.UTF8.GetString((byte[])_reference!),
        _ => string.Empty,
    };
}
