using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Corrosion.Gossip.Transport.Tcp;

/// <summary>
/// Seals and opens UDP datagrams when TLS is on: <c>[0xC7][version 1][unix ms:i64 BE][payload][tag:16]</c>, where the tag is
/// the first 16 bytes of HMAC-SHA256(key, everything before it). A datagram is accepted when its tag matches and its
/// timestamp is within <see cref="MaxClockSkew"/> of this node's clock. Payloads are authenticated, not encrypted.
/// </summary>
internal sealed class DatagramAuthenticator(byte[] key, TimeProvider timeProvider)
{
    public const byte Magic = 0xC7;
    public const byte Version = 1;
    public const int HeaderSize = 10;
    public const int TagSize = 16;
    public const int Overhead = HeaderSize + TagSize;

    /// <summary>How far a datagram's timestamp may be from this node's clock (bounds replays to this window).</summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromSeconds(60);

    /// <summary>Writes the sealed datagram into <paramref name="destination"/> and returns its length.</summary>
    public int Seal(ReadOnlySpan<byte> payload, Span<byte> destination)
    {
        var total = payload.Length + Overhead;
        destination[0] = Magic;
        destination[1] = Version;
        BinaryPrimitives.WriteInt64BigEndian(destination[2..], timeProvider.GetUtcNow().ToUnixTimeMilliseconds());
        payload.CopyTo(destination[HeaderSize..]);
        var signed = destination[..(HeaderSize + payload.Length)];
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(key, signed, mac);
        mac[..TagSize].CopyTo(destination[(HeaderSize + payload.Length)..]);
        return total;
    }

    /// <summary>Checks a received datagram; on success <paramref name="payloadOffset"/>/<paramref name="payloadLength"/> locate the payload.</summary>
    public bool TryOpen(ReadOnlySpan<byte> datagram, out int payloadOffset, out int payloadLength, out string reason)
    {
        payloadOffset = HeaderSize;
        payloadLength = 0;
        if (datagram.Length < Overhead || datagram[0] != Magic)
        {
            reason = "not an authenticated datagram";
            return false;
        }

        if (datagram[1] != Version)
        {
            reason = $"unknown datagram version {datagram[1]}";
            return false;
        }

        var signed = datagram[..^TagSize];
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(key, signed, mac);
        if (!CryptographicOperations.FixedTimeEquals(mac[..TagSize], datagram[^TagSize..]))
        {
            reason = "bad MAC (sent by a node of another cluster, or forged)";
            return false;
        }

        var sentAt = BinaryPrimitives.ReadInt64BigEndian(datagram[2..]);
        var skew = Math.Abs(timeProvider.GetUtcNow().ToUnixTimeMilliseconds() - sentAt);
        if (skew > (long)MaxClockSkew.TotalMilliseconds)
        {
            reason = $"timestamp {skew} ms away from this node's clock (replayed, or clocks out of sync)";
            return false;
        }

        payloadLength = datagram.Length - Overhead;
        reason = string.Empty;
        return true;
    }
}
