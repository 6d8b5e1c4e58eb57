using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Corrosion.Storage;
using static Corrosion.Storage.SqliteNative;

namespace Corrosion.Crdt;

/// <summary>
/// <c>crsql_pack_columns(...)</c> registered straight with SQLite: the insert capture calls it once per inserted
/// row, and SQLitePCLRaw's managed bridge (a context object, an argument array and a value per argument, per call)
/// cost about as much as packing itself. Reads the native values and returns the packed bytes without allocating.
/// </summary>
internal static unsafe class PackColumnsFunction
{
    private const int SqliteInteger = 1;
    private const int SqliteFloat = 2;
    private const int SqliteText = 3;
    private const int SqliteBlob = 4;
    private const int StackLimit = 512;

    public static void Register(SqliteConnection db)
    {
        var rc = sqlite3_create_function_v2(
            db.Handle.DangerousGetHandle(), "crsql_pack_columns"u8, -1, SqliteNative.Utf8 | SqliteNative.Deterministic, IntPtr.Zero, &Invoke, null, null, null);
        if (rc != 0)
        {
            throw new SqliteException($"cannot register crsql_pack_columns: {db.ErrorMessage}", rc);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void Invoke(IntPtr context, int count, IntPtr* values)
    {
        if (count is 0 or > 255)
        {
            sqlite3_result_error(context, "crsql_pack_columns takes 1 to 255 columns"u8, -1);
            return;
        }

        var size = 1;
        for (var i = 0; i < count; i++)
        {
            size += sqlite3_value_type(values[i]) switch
            {
                SqliteInteger => PackedPk.IntegerSize(sqlite3_value_int64(values[i])),
                SqliteFloat => PackedPk.RealSize,
                SqliteText => PackedPk.BytesSize(TextBytes(values[i]).Length),
                SqliteBlob => PackedPk.BytesSize(sqlite3_value_bytes(values[i])),
                _ => PackedPk.NullSize,
            };
        }

        byte[]? rented = null;
        var buffer = size <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(size));
        try
        {
            buffer[0] = (byte)count;
            var offset = 1;
            for (var i = 0; i < count; i++)
            {
                var value = values[i];
                offset += sqlite3_value_type(value) switch
                {
                    SqliteInteger => PackedPk.WriteInteger(buffer[offset..], sqlite3_value_int64(value)),
                    SqliteFloat => PackedPk.WriteReal(buffer[offset..], sqlite3_value_double(value)),
                    SqliteText => PackedPk.WriteBytes(buffer[offset..], SqliteText, TextBytes(value)),
                    SqliteBlob => PackedPk.WriteBytes(buffer[offset..], SqliteBlob, BlobBytes(value)),
                    _ => PackedPk.WriteNull(buffer[offset..]),
                };
            }

            fixed (byte* packed = buffer)
            {
                sqlite3_result_blob(context, packed, size, SqliteNative.Transient);
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    // sqlite3_value_bytes must follow the call that produced the pointer (it may convert the value's encoding).
    private static ReadOnlySpan<byte> TextBytes(IntPtr value)
    {
        var text = sqlite3_value_text(value);
        return new ReadOnlySpan<byte>(text, sqlite3_value_bytes(value));
    }

    private static ReadOnlySpan<byte> BlobBytes(IntPtr value)
    {
        var blob = sqlite3_value_blob(value);
        var length = sqlite3_value_bytes(value);
        return length == 0 ? [] : new ReadOnlySpan<byte>(blob, length);
    }
}
