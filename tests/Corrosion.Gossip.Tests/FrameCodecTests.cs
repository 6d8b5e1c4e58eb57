using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using Corrosion.Gossip.Transport;

namespace Corrosion.Gossip.Tests;

public sealed class FrameCodecTests
{
    private static byte[] Encode(byte type, byte[] payload)
    {
        var writer = new ArrayBufferWriter<byte>();
        FrameCodec.Write(writer, type, payload);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>Splits bytes into a multi-segment sequence at the given cut points.</summary>
    private static ReadOnlySequence<byte> Segmented(byte[] bytes, IEnumerable<int> cuts)
    {
        var points = cuts.Where(c => c > 0 && c < bytes.Length).Distinct().Order().ToList();
        if (points.Count == 0)
        {
            return new ReadOnlySequence<byte>(bytes);
        }

        Segment? first = null;
        Segment? last = null;
        var start = 0;
        foreach (var end in points.Append(bytes.Length))
        {
            var memory = bytes.AsMemory(start, end - start);
            last = last is null ? first = new Segment(memory, 0) : last.Append(memory);
            start = end;
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    [Fact]
    public void A_frame_round_trips_with_a_big_endian_length_header()
    {
        var bytes = Encode(7, [1, 2, 3]);
        bytes.Should().Equal(1, 7, 0, 0, 0, 3, 1, 2, 3);

        var buffer = new ReadOnlySequence<byte>(bytes);
        FrameCodec.TryRead(ref buffer, out var frame).Should().BeTrue();
        frame.Version.Should().Be(FrameCodec.CurrentVersion);
        frame.Type.Should().Be(7);
        frame.Payload.ToArray().Should().Equal(1, 2, 3);
        buffer.Length.Should().Be(0);
    }

    [Fact]
    public void Every_strict_prefix_is_partial_input_and_consumes_nothing()
    {
        var bytes = Encode(2, Enumerable.Range(0, 50).Select(i => (byte)i).ToArray());
        for (var length = 0; length < bytes.Length; length++)
        {
            var buffer = new ReadOnlySequence<byte>(bytes, 0, length);
            FrameCodec.TryRead(ref buffer, out _).Should().BeFalse($"{length} of {bytes.Length} bytes is not a whole frame");
            buffer.Length.Should().Be(length, "nothing may be consumed from partial input");
        }
    }

    [Fact]
    public void Frames_split_across_segments_at_every_point_parse_the_same()
    {
        var payload = Enumerable.Range(0, 20).Select(i => (byte)(i * 3)).ToArray();
        var bytes = Encode(9, payload).Concat(Encode(10, [])).ToArray();
        for (var cut = 1; cut < bytes.Length; cut++)
        {
            var buffer = Segmented(bytes, [cut, cut / 2, cut + 3]);
            FrameCodec.TryRead(ref buffer, out var first).Should().BeTrue();
            first.Payload.ToArray().Should().Equal(payload);
            FrameCodec.TryRead(ref buffer, out var second).Should().BeTrue();
            second.Type.Should().Be(10);
            second.Payload.Length.Should().Be(0);
            buffer.IsEmpty.Should().BeTrue();
        }
    }

    [Fact]
    public void A_hostile_length_is_refused_from_the_header_alone()
    {
        var header = new byte[FrameCodec.HeaderSize];
        header[0] = FrameCodec.CurrentVersion;
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(2), uint.MaxValue);
        var buffer = new ReadOnlySequence<byte>(header);

        var act = () => FrameCodec.TryRead(ref buffer, 64 * 1024, out _);
        act.Should().Throw<PeerProtocolException>().WithMessage("*4294967295 bytes exceeds the limit of 65536*");
    }

    [Fact]
    public void An_unknown_version_is_refused()
    {
        var buffer = new ReadOnlySequence<byte>(new byte[] { 2, 0, 0, 0, 0, 0 });
        var act = () => FrameCodec.TryRead(ref buffer, out _);
        act.Should().Throw<PeerProtocolException>().WithMessage("*version 2*");
    }

    [Fact]
    public void Writing_a_frame_over_the_limit_is_refused()
    {
        var act = () => FrameCodec.Write(new ArrayBufferWriter<byte>(), 1, new byte[101], maxFrameSize: 100);
        act.Should().Throw<PeerProtocolException>();
    }

    [Fact]
    public void Fuzz_random_bytes_and_truncations_only_throw_protocol_errors_and_never_allocate_a_frame()
    {
        const int maxFrame = 64 * 1024;
        var random = new Random(20261125);
        var valid = Encode(3, new byte[300]);
        var outcomes = new int[3];
        for (var iteration = 0; iteration < 20_000; iteration++)
        {
            byte[] bytes;
            switch (iteration % 3)
            {
                case 0:
                    bytes = new byte[random.Next(0, 64)];
                    random.NextBytes(bytes);
                    if (bytes.Length > 0 && random.Next(2) == 0)
                    {
                        bytes[0] = FrameCodec.CurrentVersion;
                    }

                    break;
                case 1:
                    bytes = valid.AsSpan(0, random.Next(0, valid.Length + 1)).ToArray();
                    break;
                default:
                    bytes = (byte[])valid.Clone();
                    bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                    bytes = bytes.AsSpan(0, random.Next(0, bytes.Length + 1)).ToArray();
                    break;
            }

            var cuts = Enumerable.Range(0, random.Next(0, 4)).Select(_ => random.Next(0, bytes.Length + 1)).ToArray();
            var buffer = Segmented(bytes, cuts);
            var before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                long largest = 0;
                while (FrameCodec.TryRead(ref buffer, maxFrame, out var frame))
                {
                    largest = Math.Max(largest, frame.Payload.Length);
                }

                var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                if (allocated != 0)
                {
                    Assert.Fail($"parsing {Convert.ToHexString(bytes)} allocated {allocated} bytes");
                }

                largest.Should().BeLessThanOrEqualTo(maxFrame);

                outcomes[0]++;
            }
            catch (PeerProtocolException)
            {
                var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                if (allocated >= maxFrame)
                {
                    Assert.Fail($"refusing {Convert.ToHexString(bytes)} allocated {allocated} bytes");
                }

                outcomes[1]++;
            }
            catch (Exception e)
            {
                Assert.Fail($"parsing {Convert.ToHexString(bytes)} threw {e.GetType().Name}: {e.Message}");
            }
        }

        outcomes[0].Should().BePositive();
        outcomes[1].Should().BePositive("random input must hit the protocol checks");
    }

    [Fact]
    public async Task Reading_from_a_pipe_returns_pooled_frames_and_a_clean_end()
    {
        var pipe = new Pipe();
        var frames = Enumerable.Range(0, 50).Select(i => Encode((byte)i, new byte[i * 37])).SelectMany(b => b).ToArray();
        var random = new Random(9);
        for (var offset = 0; offset < frames.Length;)
        {
            var size = Math.Min(random.Next(1, 200), frames.Length - offset);
            await pipe.Writer.WriteAsync(frames.AsMemory(offset, size));
            offset += size;
        }

        await pipe.Writer.CompleteAsync();
        for (var i = 0; i < 50; i++)
        {
            using var frame = await FrameCodec.ReadFrameAsync(pipe.Reader);
            frame.Should().NotBeNull();
            frame!.Type.Should().Be((byte)i);
            frame.Length.Should().Be(i * 37);
        }

        (await FrameCodec.ReadFrameAsync(pipe.Reader)).Should().BeNull();
    }

    [Fact]
    public async Task A_stream_that_ends_inside_a_frame_is_a_protocol_error()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(Encode(1, new byte[10]).AsMemory(0, 12));
        await pipe.Writer.CompleteAsync();
        var act = async () => await FrameCodec.ReadFrameAsync(pipe.Reader);
        await act.Should().ThrowAsync<PeerProtocolException>().WithMessage("*ended inside a frame*");
    }

    [Fact]
    public async Task A_hostile_length_on_a_pipe_throws_before_buffering_or_allocating_the_frame()
    {
        var pipe = new Pipe();
        var header = new byte[FrameCodec.HeaderSize];
        header[0] = FrameCodec.CurrentVersion;
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(2), 1u << 30);
        await pipe.Writer.WriteAsync(header);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var act = async () => await FrameCodec.ReadFrameAsync(pipe.Reader, maxFrameSize: 1 << 20);
        await act.Should().ThrowAsync<PeerProtocolException>();
        (GC.GetAllocatedBytesForCurrentThread() - before).Should().BeLessThan(1 << 20);
    }

    [Fact]
    public async Task A_datagram_frame_round_trips_with_the_sender_port_before_the_datagram()
    {
        var writer = new ArrayBufferWriter<byte>();
        FrameCodec.WriteDatagram(writer, 8787, [9, 8, 7]);
        writer.WrittenSpan.ToArray().Should().Equal(1, 5, 0, 0, 0, 5, 0x22, 0x53, 9, 8, 7);

        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(writer.WrittenMemory);
        await pipe.Writer.CompleteAsync();
        using var frame = await FrameCodec.ReadFrameAsync(pipe.Reader, FrameCodec.MaxDatagramFrameSize);
        FrameCodec.ReadDatagram(frame!, out var port).ToArray().Should().Equal(9, 8, 7);
        port.Should().Be(8787);
    }

    [Fact]
    public async Task Fuzzed_datagram_frames_only_throw_protocol_errors()
    {
        var writer = new ArrayBufferWriter<byte>();
        FrameCodec.WriteDatagram(writer, 4000, new byte[40]);
        var valid = writer.WrittenSpan.ToArray();
        var random = new Random(5);
        var outcomes = new int[2];
        for (var i = 0; i < 2_000; i++)
        {
            var bytes = (byte[])valid.Clone();
            for (var flips = random.Next(1, 4); flips > 0; flips--)
            {
                bytes[random.Next(FrameCodec.DatagramOverhead + 2)] = (byte)random.Next(256);
            }

            bytes = bytes[..random.Next(0, bytes.Length + 1)];
            var pipe = new Pipe();
            await pipe.Writer.WriteAsync(bytes);
            await pipe.Writer.CompleteAsync();
            try
            {
                while (await FrameCodec.ReadFrameAsync(pipe.Reader, FrameCodec.MaxDatagramFrameSize) is { } frame)
                {
                    using (frame)
                    {
                        FrameCodec.ReadDatagram(frame, out var port);
                        port.Should().NotBe(0);
                    }
                }

                outcomes[0]++;
            }
            catch (PeerProtocolException)
            {
                outcomes[1]++;
            }
            catch (Exception e)
            {
                Assert.Fail($"reading {Convert.ToHexString(bytes)} threw {e.GetType().Name}: {e.Message}");
            }
        }

        outcomes.Should().OnlyContain(n => n > 0, "both clean reads and refusals must occur");
    }

    [Fact]
    public void A_datagram_larger_than_a_udp_datagram_is_refused_when_written()
    {
        var act = () => FrameCodec.WriteDatagram(new ArrayBufferWriter<byte>(), 1, new byte[65508]);
        act.Should().Throw<PeerProtocolException>();
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
