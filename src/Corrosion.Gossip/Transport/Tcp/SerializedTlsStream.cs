using System.Net.Security;

namespace Corrosion.Gossip.Transport.Tcp;

/// <summary>
/// An <see cref="SslStream"/> whose TLS work never runs on two threads at once, while its socket reads and writes still may.
/// <para>
/// A peer connection reads and writes concurrently (a receive loop and a send loop). On Linux an <see cref="SslStream"/>
/// is an OpenSSL <c>SSL</c> object, which is not safe to drive from two threads at once, and .NET does not serialize the
/// two directions. That is mostly harmless, except when the read side processes a TLS 1.3 post-handshake message: the
/// NewSessionTicket messages an OpenSSL server sends right after every handshake, even with <c>AllowTlsResume = false</c>
/// (that only turns off the session cache and stateless tickets; OpenSSL still sends its default two stateful tickets).
/// While <c>SSL_read</c> processes one, the state machine is briefly "in init"; an <c>SSL_write</c> or
/// <c>SSL_shutdown</c> on the send loop at that moment fails one side or the other ("internal error", "shutdown while in
/// init"), so a connection occasionally broke right after its handshake with an <see cref="IOException"/> ("The
/// decryption operation failed ... SSL routines::internal error").
/// </para>
/// <para>
/// Every call into the <see cref="SslStream"/> (handshake, read, write, flush, shutdown) holds one gate; the stream below it
/// lets go of the gate for the duration of each socket read or write. So the CPU-bound TLS work of the two directions is
/// serialized, and neither direction waits for the other's I/O (a reader waiting for bytes does not hold up a writer, and a
/// writer stuck on a full socket buffer does not hold up the reader that would drain the peer).
/// </para>
/// </summary>
internal sealed class SerializedTlsStream : Stream
{
    private readonly SemaphoreSlim _gate;

    private SerializedTlsStream(SslStream ssl, SemaphoreSlim gate)
    {
        Ssl = ssl;
        _gate = gate;
    }

    /// <summary>The TLS stream; for its properties (negotiated protocol, remote certificate). Drive it through this wrapper.</summary>
    public SslStream Ssl { get; }

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>Wraps <paramref name="transport"/> (a connected <see cref="System.Net.Sockets.NetworkStream"/>, owned from now on).</summary>
    public static SerializedTlsStream Create(Stream transport)
    {
        var gate = new SemaphoreSlim(1, 1);
        return new SerializedTlsStream(new SslStream(new GateReleasingStream(transport, gate), leaveInnerStreamOpen: false), gate);
    }

    public Task AuthenticateAsClientAsync(SslClientAuthenticationOptions options, CancellationToken cancellationToken) =>
        GatedAsync(static (ssl, state, ct) => ssl.AuthenticateAsClientAsync((SslClientAuthenticationOptions)state!, ct), options, cancellationToken);

    public Task AuthenticateAsServerAsync(SslServerAuthenticationOptions options, CancellationToken cancellationToken) =>
        GatedAsync(static (ssl, state, ct) => ssl.AuthenticateAsServerAsync((SslServerAuthenticationOptions)state!, ct), options, cancellationToken);

    /// <summary>Sends the TLS close_notify.</summary>
    public Task ShutdownAsync() => GatedAsync(static (ssl, _, _) => ssl.ShutdownAsync(), null, CancellationToken.None);

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await Ssl.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await Ssl.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task FlushAsync(CancellationToken cancellationToken) =>
        GatedAsync(static (ssl, _, ct) => ssl.FlushAsync(ct), null, cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override void Flush() => FlushAsync().GetAwaiter().GetResult();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        // Not gated: closing the socket is how a connection is aborted, and pending calls then fail and let go of the gate.
        // The gate itself is not disposed, since those calls still release it.
        if (disposing)
        {
            Ssl.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await Ssl.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private async Task GatedAsync(Func<SslStream, object?, CancellationToken, Task> operation, object? state, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await operation(Ssl, state, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// The stream under the <see cref="SslStream"/>: only ever called from inside a gated call, it gives the gate up while
    /// the socket reads or writes, and takes it back before the TLS work continues.
    /// </summary>
    private sealed class GateReleasingStream(Stream inner, SemaphoreSlim gate) : Stream
    {
        public override bool CanRead => inner.CanRead;

        public override bool CanWrite => inner.CanWrite;

        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            gate.Release();
            try
            {
                return await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                await gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            gate.Release();
            try
            {
                await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                await gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count)
        {
            gate.Release();
            try
            {
                return inner.Read(buffer, offset, count);
            }
            finally
            {
                gate.Wait();
            }
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            gate.Release();
            try
            {
                inner.Write(buffer, offset, count);
            }
            finally
            {
                gate.Wait();
            }
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override void Flush() => inner.Flush();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync().ConfigureAwait(false);
            await base.DisposeAsync().ConfigureAwait(false);
        }
    }
}
