using System.Security.Cryptography;

namespace Corrosion;

/// <summary>
/// A node's identity: cr-sqlite's 16-byte site id. Printed as 32 lowercase hex digits (as the agent's log shows
/// it) and accepted with or without UUID dashes.
/// </summary>
public readonly struct ActorId : IEquatable<ActorId>, IComparable<ActorId>
{
    public const int Size = 16;

    private readonly byte[]? _bytes;

    public ActorId(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
        {
            throw new ArgumentException($"an actor id is {Size} bytes, got {bytes.Length}", nameof(bytes));
        }

        _bytes = bytes.ToArray();
    }

    public static ActorId Empty { get; } = new(new byte[Size]);

    public ReadOnlySpan<byte> Span => _bytes ?? new byte[Size];

    public byte[] ToByteArray() => Span.ToArray();

    /// <summary>A new random (version 4 UUID) actor id.</summary>
    public static ActorId NewRandom()
    {
        Span<byte> bytes = stackalloc byte[Size];
        RandomNumberGenerator.Fill(bytes);
        bytes[6] = (byte)((bytes[6] & 0x0f) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3f) | 0x80);
        return new ActorId(bytes);
    }

    public static ActorId Parse(string text)
    {
        if (!TryParse(text, out var id))
        {
            throw new FormatException($"'{text}' is not an actor id (32 hex digits, dashes optional)");
        }

        return id;
    }

    public static bool TryParse(string? text, out ActorId id)
    {
        id = default;
        if (text is null)
        {
            return false;
        }

        var hex = text.Replace("-", string.Empty, StringComparison.Ordinal);
        if (hex.Length != Size * 2)
        {
            return false;
        }

        try
        {
            id = new ActorId(Convert.FromHexString(hex));
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>32 lowercase hex digits, no dashes.</summary>
    public override string ToString() => Convert.ToHexStringLower(Span);

    /// <summary>The 8-4-4-4-12 UUID form.</summary>
    public string ToUuidString()
    {
        var hex = ToString();
        return $"{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..]}";
    }

    public bool Equals(ActorId other) => Span.SequenceEqual(other.Span);

    public override bool Equals(object? obj) => obj is ActorId other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(Span);
        return hash.ToHashCode();
    }

    public int CompareTo(ActorId other) => Span.SequenceCompareTo(other.Span);

    public static bool operator ==(ActorId left, ActorId right) => left.Equals(right);

    public static bool operator !=(ActorId left, ActorId right) => !left.Equals(right);

    public static bool operator <(ActorId left, ActorId right) => left.CompareTo(right) < 0;

    public static bool operator >(ActorId left, ActorId right) => left.CompareTo(right) > 0;

    public static bool operator <=(ActorId left, ActorId right) => left.CompareTo(right) <= 0;

    public static bool operator >=(ActorId left, ActorId right) => left.CompareTo(right) >= 0;
}
