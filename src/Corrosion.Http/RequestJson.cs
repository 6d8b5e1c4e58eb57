using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Corrosion.Http;

/// <summary>
/// A request body read whole (up to a byte limit) into a pooled buffer, parsed as a JSON document when
/// <see cref="Root"/> is first read. The document reads straight from that buffer, so dispose this to return it.
/// </summary>
internal sealed class RequestJson : IDisposable
{
    /// <summary>How deep JSON may nest in a request body.</summary>
    public const int MaxDepth = 64;

    private const int InitialBufferSize = 4096;

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    private readonly int _start;
    private readonly int _length;
    private byte[]? _buffer;
    private JsonDocument? _document;

    private RequestJson(byte[] buffer, int start, int length)
    {
        _buffer = buffer;
        _start = start;
        _length = length;
    }

    /// <summary>The body's bytes (after a byte order mark, if it had one).</summary>
    public ReadOnlySpan<byte> Utf8 => (_buffer ?? throw new ObjectDisposedException(nameof(RequestJson))).AsSpan(_start, _length);

    /// <summary>The body parsed as JSON. Throws <see cref="HttpApiRequestException"/> (400) for malformed JSON.</summary>
    public JsonElement Root => (_document ??= Parse()).RootElement;

    private JsonDocument Parse()
    {
        var buffer = _buffer ?? throw new ObjectDisposedException(nameof(RequestJson));
        try
        {
            return JsonDocument.Parse(buffer.AsMemory(_start, _length), new JsonDocumentOptions { MaxDepth = MaxDepth });
        }
        catch (JsonException ex)
        {
            throw new HttpApiRequestException(StatusCodes.Status400BadRequest, $"malformed JSON in the request body: {ex.Message}");
        }
    }

    /// <summary>
    /// Reads the body. Any content type is accepted (curl -d sends a form type). Throws
    /// <see cref="HttpApiRequestException"/>: 413 over <paramref name="maxBytes"/>, 400 for an empty body.
    /// </summary>
    public static async Task<RequestJson> ReadAsync(HttpContext context, long maxBytes, CancellationToken cancellationToken)
    {
        var request = context.Request;
        if (request.ContentLength is { } declared && declared > maxBytes)
        {
            throw TooLarge(maxBytes);
        }

        // Let the server enforce the same limit on chunked bodies (and lift its own default when ours is higher).
        var sizeFeature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false })
        {
            sizeFeature.MaxRequestBodySize = maxBytes;
        }

        var initial = (int)Math.Min(request.ContentLength ?? InitialBufferSize, Math.Min(maxBytes, Array.MaxLength));
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(initial, 16));
        var length = 0;
        var handedOver = false;
        try
        {
            var reader = request.BodyReader;
            while (true)
            {
                ReadResult result;
                try
                {
                    result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
                {
                    throw TooLarge(maxBytes);
                }

                var data = result.Buffer;
                if (length + data.Length > maxBytes)
                {
                    reader.AdvanceTo(data.End);
                    throw TooLarge(maxBytes);
                }

                // Copy out and consume at once: holding unconsumed bytes would stall the server's input pipe.
                if (length + data.Length > buffer.Length)
                {
                    var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min(Math.Max(buffer.Length * 2L, length + data.Length), Array.MaxLength));
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }

                data.CopyTo(buffer.AsSpan(length));
                length += (int)data.Length;
                reader.AdvanceTo(data.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    break;
                }
            }

            if (length == 0)
            {
                throw new HttpApiRequestException(StatusCodes.Status400BadRequest, "the request body is empty; expected JSON");
            }

            // Some clients (PowerShell, .NET's Encoding.UTF8 streams) start UTF-8 text with a byte order mark.
            var start = buffer.AsSpan(0, length).StartsWith(Utf8Bom) ? Utf8Bom.Length : 0;
            if (length == start)
            {
                throw new HttpApiRequestException(StatusCodes.Status400BadRequest, "the request body is empty; expected JSON");
            }

            handedOver = true;
            return new RequestJson(buffer, start, length - start);
        }
        finally
        {
            if (!handedOver)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    public void Dispose()
    {
        _document?.Dispose();
        if (_buffer is { } buffer)
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static HttpApiRequestException TooLarge(long maxBytes) =>
        new(StatusCodes.Status413PayloadTooLarge, $"the request body is larger than the limit of {maxBytes} bytes (HttpApiOptions.MaxRequestBodyBytes)");
}
