using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Corrosion.Http.Tests.PgWire;

/// <summary>A minimal hand-rolled PostgreSQL frontend for what Npgsql never sends (row limits, malformed frames).</summary>
internal sealed class RawPgClient : IAsyncDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;

    private RawPgClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    public static async Task<RawPgClient> ConnectAsync(IPEndPoint endPoint)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(endPoint);
        return new RawPgClient(tcp);
    }

    /// <summary>Sends a v3 StartupMessage and reads up to ReadyForQuery.</summary>
    public async Task StartupAsync()
    {
        var body = new List<byte>();
        body.AddRange(Int32(3 << 16));
        body.AddRange(CString("user"));
        body.AddRange(CString("raw"));
        body.Add(0);
        await SendAsync([.. Int32(body.Count + 4), .. body]);
        var types = await ReadUntilAsync('Z');
        types.Should().StartWith(['R'], "AuthenticationOk comes first");
    }

    /// <summary>Sends one simple Query message and returns every reply up to ReadyForQuery.</summary>
    public async Task<List<(char Type, byte[] Body)>> SimpleQueryAsync(string sql)
    {
        await SendAsync(Message('Q', CString(sql)));
        var replies = new List<(char Type, byte[] Body)>();
        while (true)
        {
            var reply = await ReadMessageAsync() ?? throw new InvalidOperationException($"the server closed the connection; seen: {string.Join(",", replies.Select(r => r.Type))}");
            replies.Add(reply);
            if (reply.Type == 'Z')
            {
                return replies;
            }
        }
    }

    /// <summary>The tag of a CommandComplete body.</summary>
    public static string Tag(byte[] body) => Encoding.UTF8.GetString(body, 0, body.Length - 1);

    /// <summary>Parse, Bind, Describe portal, <paramref name="executes"/> × Execute(maxRows), Sync; returns the reply types.</summary>
    public async Task<List<char>> ExtendedAsync(string sql, int maxRows, int executes)
    {
        var output = new List<byte>();
        output.AddRange(Message('P', [.. CString(string.Empty), .. CString(sql), 0, 0]));
        output.AddRange(Message('B', [.. CString(string.Empty), .. CString(string.Empty), 0, 0, 0, 0, 0, 0]));
        output.AddRange(Message('D', [(byte)'P', .. CString(string.Empty)]));
        for (var i = 0; i < executes; i++)
        {
            output.AddRange(Message('E', [.. CString(string.Empty), .. Int32(maxRows)]));
        }

        output.AddRange(Message('S', []));
        await SendAsync([.. output]);
        return await ReadUntilAsync('Z');
    }

    /// <summary>One unframed byte (the answer to SSLRequest / GSSENCRequest).</summary>
    public async Task<char> ReadByteAsync()
    {
        using var timeout = new CancellationTokenSource(Deadline);
        var buffer = new byte[1];
        return await ReadExactlyOrEndAsync(buffer, timeout.Token) ? (char)buffer[0] : throw new InvalidOperationException("the server closed the connection");
    }

    public Task SendAsync(byte[] bytes) => _stream.WriteAsync(bytes).AsTask();

    /// <summary>Reads messages until one of type <paramref name="last"/>; returns every type seen.</summary>
    public async Task<List<char>> ReadUntilAsync(char last)
    {
        var types = new List<char>();
        while (true)
        {
            var (type, _) = await ReadMessageAsync() ?? throw new InvalidOperationException($"the server closed the connection before '{last}'; seen: {new string([.. types])}");
            types.Add(type);
            if (type == last)
            {
                return types;
            }
        }
    }

    /// <summary>The next message, or null when the server closed the connection.</summary>
    public async Task<(char Type, byte[] Body)?> ReadMessageAsync()
    {
        using var timeout = new CancellationTokenSource(Deadline);
        var header = new byte[5];
        if (!await ReadExactlyOrEndAsync(header, timeout.Token))
        {
            return null;
        }

        var body = new byte[BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(1)) - 4];
        if (!await ReadExactlyOrEndAsync(body, timeout.Token))
        {
            return null;
        }

        return ((char)header[0], body);
    }

    /// <summary>The fields of an ErrorResponse body by their code (S, C, M, ...).</summary>
    public static Dictionary<char, string> ErrorFields(byte[] body)
    {
        var fields = new Dictionary<char, string>();
        var i = 0;
        while (i < body.Length && body[i] != 0)
        {
            var code = (char)body[i++];
            var end = Array.IndexOf(body, (byte)0, i);
            fields[code] = Encoding.UTF8.GetString(body, i, end - i);
            i = end + 1;
        }

        return fields;
    }

    private async Task<bool> ReadExactlyOrEndAsync(byte[] buffer, CancellationToken cancellationToken)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            int n;
            try
            {
                n = await _stream.ReadAsync(buffer.AsMemory(read), cancellationToken);
            }
            catch (IOException)
            {
                return false;
            }

            if (n == 0)
            {
                return false;
            }

            read += n;
        }

        return true;
    }

    public static byte[] Message(char type, byte[] body) => [(byte)type, .. Int32(body.Length + 4), .. body];

    public static byte[] Int32(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        return bytes;
    }

    public static byte[] CString(string value) => [.. Encoding.UTF8.GetBytes(value), 0];

    public ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }
}
