using System.Text;

namespace Corrosion.Host.Admin;

/// <summary>
/// Reads '\n'-terminated UTF-8 lines from a stream without letting one line grow past
/// <see cref="AdminRequest.MaxLineBytes"/> (an over-long line comes back truncated to one byte more than the limit,
/// so the caller can refuse it).
/// </summary>
internal sealed class AdminLineReader
{
    private readonly Stream _stream;
    private readonly byte[] _buffer = new byte[4096];
    private int _start;
    private int _end;

    public AdminLineReader(Stream stream)
    {
        _stream = stream;
    }

    /// <summary>The next line without its terminator, or null at end of stream.</summary>
    public async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        using var line = new MemoryStream();
        while (true)
        {
            if (_start == _end)
            {
                _start = 0;
                _end = await _stream.ReadAsync(_buffer, cancellationToken);
                if (_end == 0)
                {
                    return line.Length > 0 ? Encoding.UTF8.GetString(line.ToArray()) : null;
                }
            }

            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            var stop = newline < 0 ? _end : newline;
            line.Write(_buffer, _start, stop - _start);
            _start = newline < 0 ? _end : newline + 1;
            if (line.Length > AdminRequest.MaxLineBytes)
            {
                return Encoding.UTF8.GetString(line.GetBuffer(), 0, AdminRequest.MaxLineBytes + 1);
            }

            if (newline >= 0)
            {
                return Encoding.UTF8.GetString(line.GetBuffer(), 0, (int)line.Length).TrimEnd('\r');
            }
        }
    }
}
