using System.Text;

namespace Corrosion.Host.Cli;

/// <summary>
/// Where a command writes: standard output as bytes (so <c>query</c> can print blobs as their raw bytes, like
/// <c>sqlite3</c>) and standard error as text. Tests pass memory streams.
/// </summary>
internal sealed class CliConsole
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    public CliConsole(Stream stdout, TextWriter stderr)
    {
        StdOut = stdout;
        Error = stderr;
    }

    public Stream StdOut { get; }

    public TextWriter Error { get; }

    public static CliConsole Standard() => new(Console.OpenStandardOutput(), Console.Error);

    public void WriteLine(string text)
    {
        Write(text);
        StdOut.WriteByte((byte)'\n');
        StdOut.Flush();
    }

    public void Write(string text) => StdOut.Write(Utf8.GetBytes(text));

    public void WriteBytes(ReadOnlySpan<byte> bytes) => StdOut.Write(bytes);

    public void EndLine()
    {
        StdOut.WriteByte((byte)'\n');
        StdOut.Flush();
    }

    /// <summary>Writes <c>corrosion &lt;command&gt;: message</c> to standard error.</summary>
    public void Fail(string command, string message) => Error.WriteLine($"corrosion {command}: {message}");
}
