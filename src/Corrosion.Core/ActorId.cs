using System.Security.Cryptography;

namespace Corrosion;

/// <summary>
/// A node's identity: cr-sqlite's 16-byte site id. Printed as 32 lowercase hex digits (as the agent's log shows
/// it) and accepted with or without UUID dashes.
/// </summary>
public readonly struct ActorId : IEquatable<ActorId>, IComparable<ActorId>
{
    /// <summary>The length of an actor id in bytes (16).</summary>
    public const int Size = 16;

    private readonly byte[]? _bytes;

    /// <summary>Creates an actor id from its 16 bytes (copied).</summary>
    /// <param name="bytes">The site id's bytes, exactly <see cref="Size"/> of them.</param>
    /// <exception cref="ArgumentException"><paramref name="bytes"/> is not <see cref="Size"/> bytes long.</exception>
    public ActorId(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
        {
            throw new ArgumentException($"an actor id is {Size} bytes, got {bytes.Length}", nameof(bytes));
        }

        _bytes = bytes.ToArray();
    }

    /// <summary>The all-zero actor id.</summary>
    public static ActorId Empty { get; } = new(new byte[Size]);

    /// <summary>The id's 16 bytes; all zeros for <c>default(ActorId)</c>.</summary>
    public ReadOnlySpan<byte> Span => _bytes ?? new byte[Size];

    /// <summary>A new array holding a copy of the id's 16 bytes.</summary>
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

    /// <summary>Parses 32 hex digits, with or without UUID dashes, in either case.</summary>
    /// <exception cref="FormatException"><paramref name="text"/> is not an actor id.</exception>
    public static ActorId Parse(string text)
    {
        if (!TryParse(text, out var id))
        {
            throw new FormatException($"'{text}' is not an actor id (32 hex digits, dashes optional)");
        }

        return id;
    }

    /// <summary>Parses 32 hex digits, with or without UUID dashes, in either case.</summary>
    /// <param name="text">The text to parse; <see langword="null"/> fails.</param>
    /// <param name="id">The parsed id, or <c>default</c> when parsing fails.</param>
    /// <returns><see langword="true"/> if <paramref name="text"/> is an actor id.</returns>
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

    /// <summary>Whether both ids have the same bytes (<c>default</c> equals <see cref="Empty"/>).</summary>
    public bool Equals(ActorId other) => Span.SequenceEqual(other.Span);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is ActorId other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(Span);
        return hash.ToHashCode();
    }

    /// <summary>Orders ids by their bytes, compared as unsigned and left to right.</summary>
    public int CompareTo(ActorId other) => Span.SequenceCompareTo(other.Span);

    /// <summary>Whether both ids have the same bytes.</summary>
    public static bool operator ==(ActorId left, ActorId right) => left.Equals(right);

    /// <summary>Whether the ids' bytes differ.</summary>
    public static bool operator !=(ActorId left, ActorId right) => !left.Equals(right);

    /// <summary>Whether <paramref name="left"/> sorts before <paramref name="right"/> (see <see cref="CompareTo(ActorId)"/>).</summary>
    public static bool operator <(ActorId left, ActorId right) => left.CompareTo(right) < 0;

    /// <summary>Whether <paramref name="left"/> sorts after <paramref name="right"/> (see <see cref="CompareTo(ActorId)"/>).</summary>
    public static bool operator >(ActorId left, ActorId right) => left.CompareTo(right) > 0;

    /// <summary>Whether <paramref name="left"/> sorts before or equals <paramref name="right"/> (see <see cref="CompareTo(ActorId)"/>).</summary>
    public static bool operator <=(ActorId left, ActorId right) => left.CompareTo(right) <= 0;

    /// <summary>Whether <paramref name="left"/> sorts after or equals <paramref name="right"/> (see <see cref="CompareTo(ActorId)"/>).</summary>
    public static bool operator >=(ActorId left, ActorId right) => left.CompareTo(right) >= 0;
}
