using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.IO.Pipelines;
using Corrosion.Gossip.Protocol;

namespace Corrosion.Gossip.Transport;

/// <summary>
/// The framing of every peer stream, in one place: <c>[version:u8][type:u8][length:u32 big-endian][payload]</c>.
/// <para>
/// <see cref="TryRead(ref ReadOnlySequence{byte}, int, out Frame)"/> is a non-allocating parser over <see cref="ReadOnlySequence{T}"/>: it returns false on partial
/// input and leaves the buffer untouched, so the read loop owns <c>AdvanceTo</c>. A frame with an unknown version or a
/// length over the limit throws <see cref="PeerProtocolException"/> before anything is buffered or allocated for it;
/// the caller closes that connection and nothing else. Message types are owned by the protocols on top (membership,
/// broadcast, sync), which give meaning to <see cref="Frame.Type"/>, except <see cref="PeerFrameType.Datagram"/>, which the
/// tcp+udp transport itself uses to carry datagrams over TLS (<see cref="WriteDatagram"/>, <see cref="ReadDatagram"/>).
/// </para>
/// </summary>
internal static class FrameCodec
{
    /// <summary>The wire version this build writes and reads.</summary>
    public const byte CurrentVersion = 1;

    /// <summary>Bytes before the payload.</summary>
    public const int HeaderSize = 6;

    /// <summary>
    /// Default limit on one frame's payload (33 MiB). Senders chunk changesets to about 1 MiB, but a chunk holds at
    /// least one change, and one change may carry a key and a value of up to 16 MiB each (the changeset codec's
    /// limits): with an 8 MiB limit a single 9 MiB value could never leave its node.
    /// </summary>
    public const int DefaultMaxFrameSize = 33 * 1024 * 1024;

    /// <summary>Bytes a <see cref="PeerFrameType.Datagram"/> frame's payload has before the datagram (the sender's gossip port).</summary>
    public const int DatagramPrefixSize = 2;

    /// <summary>Bytes a datagram frame adds to the datagram it carries (header and sender port).</summary>
    public const int DatagramOverhead = HeaderSize + DatagramPrefixSize;

    /// <summary>The largest datagram frame payload accepted on a datagram connection (a UDP-sized datagram and its prefix).</summary>
    public const int MaxDatagramFrameSize = DatagramPrefixSize + 65507;

    /// <summary>
    /// Parses one frame from the start of <paramref name="buffer"/>. On success, <paramref name="buffer"/> is sliced past
    /// the frame and <paramref name="frame"/>'s payload points into the original buffer (valid until <c>AdvanceTo</c>).
    /// </summary>
    /// <returns>False when the buffer holds only part of a frame (nothing consumed).</returns>
    /// <exception cref="PeerProtocolException">Unknown version or a length over <paramref name="maxFrameSize"/>.</exception>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, int maxFrameSize, out Frame frame)
    {
        frame = default;
        var reader = new SequenceReader<byte>(buffer);
        if (!reader.TryRead(out var version))
        {
            return false;
        }

        if (version != CurrentVersion)
        {
            ThrowUnknownVersion(version);
        }

        if (!reader.TryRead(out var type) || !reader.TryReadBigEndian(out int signedLength))
        {
            return false;
        }

        var length = (uint)signedLength;
        if (length > (uint)maxFrameSize)
        {
            ThrowFrameTooLarge(length, maxFrameSize);
        }

        if (reader.Remaining < length)
        {
            return false;
        }

        var payload = buffer.Slice(reader.Position, length);
        frame = new Frame(version, type, payload);
        buffer = buffer.Slice(payload.End);
        return true;
    }

    /// <summary>Parses one frame with <see cref="DefaultMaxFrameSize"/>.</summary>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, out Frame frame) =>
        TryRead(ref buffer, DefaultMaxFrameSize, out frame);

    /// <summary>Writes one frame (header and payload) into <paramref name="writer"/>; the caller flushes.</summary>
    public static void Write(IBufferWriter<byte> writer, byte type, ReadOnlySpan<byte> payload, int maxFrameSize = DefaultMaxFrameSize)
    {
        if (payload.Length > maxFrameSize)
        {
            ThrowFrameTooLarge((uint)payload.Length, maxFrameSize);
        }

        WriteHeader(writer, type, payload.Length);
        writer.Write(payload);
    }

    /// <summary>Writes one frame whose payload is a sequence (e.g. a frame being forwarded).</summary>
    public static void Write(IBufferWriter<byte> writer, byte type, in ReadOnlySequence<byte> payload, int maxFrameSize = DefaultMaxFrameSize)
    {
        if (payload.Length > maxFrameSize)
        {
            ThrowFrameTooLarge((uint)Math.Min(payload.Length, uint.MaxValue), maxFrameSize);
        }

        WriteHeader(writer, type, (int)payload.Length);
        foreach (var segment in payload)
        {
            writer.Write(segment.Span);
        }
    }

    /// <summary>
    /// Reads the next frame from a pipe and copies its payload into a buffer rented from <see cref="ArrayPool{T}"/>;
    /// dispose the result to return it. The rent happens only after the length passed the limit.
    /// </summary>
    /// <returns>The frame, or null when the peer ended the stream cleanly between frames.</returns>
    /// <exception cref="PeerProtocolException">A bad header, or the stream ended inside a frame.</exception>
    public static async ValueTask<OwnedFrame?> ReadFrameAsync(PipeReader input, int maxFrameSize = DefaultMaxFrameSize, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            try
            {
                if (TryRead(ref buffer, maxFrameSize, out var frame))
                {
                    var owned = OwnedFrame.CopyOf(frame);
                    input.AdvanceTo(buffer.Start);
                    return owned;
                }
            }
            catch
            {
                input.AdvanceTo(result.Buffer.Start);
                throw;
            }

            if (result.IsCompleted || result.IsCanceled)
            {
                var leftover = buffer.Length;
                input.AdvanceTo(buffer.End);
                if (result.IsCanceled)
                {
                    throw new OperationCanceledException("frame read was cancelled");
                }

                return leftover == 0 ? null : throw new PeerProtocolException($"stream ended inside a frame ({leftover} bytes of it received)");
            }

            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>Writes one frame and flushes.</summary>
    public static ValueTask<FlushResult> WriteFrameAsync(PipeWriter output, byte type, ReadOnlyMemory<byte> payload, int maxFrameSize = DefaultMaxFrameSize, CancellationToken cancellationToken = default)
    {
        Write(output, type, payload.Span, maxFrameSize);
        return output.FlushAsync(cancellationToken);
    }

    /// <summary>
    /// Writes one <see cref="PeerFrameType.Datagram"/> frame, <c>[sender gossip port:u16 BE][datagram]</c>, into
    /// <paramref name="writer"/>; the caller flushes.
    /// </summary>
    public static void WriteDatagram(IBufferWriter<byte> writer, ushort senderPort, ReadOnlySpan<byte> datagram)
    {
        if (datagram.Length > MaxDatagramFrameSize - DatagramPrefixSize)
        {
            ThrowFrameTooLarge((uint)(datagram.Length + DatagramPrefixSize), MaxDatagramFrameSize);
        }

        WriteHeader(writer, (byte)PeerFrameType.Datagram, DatagramPrefixSize + datagram.Length);
        var port = writer.GetSpan(DatagramPrefixSize);
        BinaryPrimitives.WriteUInt16BigEndian(port, senderPort);
        writer.Advance(DatagramPrefixSize);
        writer.Write(datagram);
    }

    /// <summary>
    /// Splits a frame read from a datagram connection into the sender's gossip port and the datagram.
    /// </summary>
    /// <exception cref="PeerProtocolException">Not a datagram frame, no room for the port, or port 0.</exception>
    public static ReadOnlyMemory<byte> ReadDatagram(OwnedFrame frame, out ushort senderPort)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (frame.Type != (byte)PeerFrameType.Datagram)
        {
            throw new PeerProtocolException($"a datagram connection carries only datagram frames (type {(byte)PeerFrameType.Datagram}), not type {frame.Type}");
        }

        var payload = frame.Payload;
        if (payload.Length < DatagramPrefixSize)
        {
            throw new PeerProtocolException($"a datagram frame of {payload.Length} bytes has no room for the sender port");
        }

        senderPort = BinaryPrimitives.ReadUInt16BigEndian(payload.Span);
        if (senderPort == 0)
        {
            throw new PeerProtocolException("a datagram frame names sender port 0");
        }

        return payload[DatagramPrefixSize..];
    }

    private static void WriteHeader(IBufferWriter<byte> writer, byte type, int length)
    {
        var header = writer.GetSpan(HeaderSize);
        header[0] = CurrentVersion;
        header[1] = type;
        BinaryPrimitives.WriteUInt32BigEndian(header[2..], (uint)length);
        writer.Advance(HeaderSize);
    }

    [DoesNotReturn]
    private static void ThrowUnknownVersion(byte version) =>
        throw new PeerProtocolException($"unknown peer frame version {version} (this node speaks {CurrentVersion})");

    [DoesNotReturn]
    private static void ThrowFrameTooLarge(uint length, int maxFrameSize) =>
        throw new PeerProtocolException($"peer frame of {length} bytes exceeds the limit of {maxFrameSize} bytes");

    /// <summary>A parsed frame whose payload points into the buffer it was read from.</summary>
    public readonly struct Frame(byte version, byte type, ReadOnlySequence<byte> payload)
    {
        public byte Version { get; } = version;

        public byte Type { get; } = type;

        public ReadOnlySequence<byte> Payload { get; } = payload;
    }

    /// <summary>A frame whose payload was copied into a pooled buffer; dispose to return the buffer.</summary>
    public sealed class OwnedFrame : IDisposable
    {
        private byte[]? _buffer;

        private OwnedFrame(byte version, byte type, byte[] buffer, int length)
        {
            Version = version;
            Type = type;
            _buffer = buffer;
            Length = length;
        }

        public byte Version { get; }

        public byte Type { get; }

        public int Length { get; }

        /// <summary>The payload; invalid after <see cref="Dispose"/>.</summary>
        public ReadOnlyMemory<byte> Payload => _buffer is { } b ? b.AsMemory(0, Length) : throw new ObjectDisposedException(nameof(OwnedFrame));

        internal static OwnedFrame CopyOf(in Frame frame)
        {
            var length = (int)frame.Payload.Length;
            var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
            frame.Payload.CopyTo(buffer);
            return new OwnedFrame(frame.Version, frame.Type, buffer, length);
        }

        public void Dispose()
        {
            var buffer = Interlocked.Exchange(ref _buffer, null);
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }
}
