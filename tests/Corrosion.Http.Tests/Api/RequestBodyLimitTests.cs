using System.Net;
using System.Text;
using System.Text.Json;
using Corrosion.Http.Tests.Fixtures;

namespace Corrosion.Http.Tests.Api;

public sealed class RequestBodyLimitTests
{
    private const long Limit = 4096;

    [Theory]
    [InlineData("/v1/transactions")]
    [InlineData("/v1/queries")]
    public async Task A_body_over_the_limit_with_a_content_length_gets_413(string path)
    {
        await using var server = await CorrosionApiServer.StartAsync(o => o.MaxRequestBodyBytes = Limit);
        var body = JsonSerializer.Serialize(new[] { new string('x', (int)Limit) });

        using var response = await server.PostAsync(path, body);
        var parsed = await ApiResponse.ReadAsync(response);

        parsed.Status.Should().Be(HttpStatusCode.RequestEntityTooLarge, parsed.ToString());
        parsed.Error.Should().Be($"the request body is larger than the limit of {Limit} bytes (HttpApiOptions.MaxRequestBodyBytes)");
        await AssertStillServingAsync(server);
    }

    [Theory]
    [InlineData("/v1/transactions")]
    [InlineData("/v1/queries")]
    public async Task A_chunked_body_over_the_limit_gets_413(string path)
    {
        await using var server = await CorrosionApiServer.StartAsync(o => o.MaxRequestBodyBytes = Limit);
        var payload = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new[] { new string('x', (int)Limit * 4) }));
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ChunkedContent(payload) };

        using var response = await server.Client.SendAsync(request);
        var parsed = await ApiResponse.ReadAsync(response);

        parsed.Status.Should().Be(HttpStatusCode.RequestEntityTooLarge, parsed.ToString());
        parsed.Error.Should().Contain($"limit of {Limit} bytes");
        await AssertStillServingAsync(server);
    }

    [Fact]
    public async Task A_body_just_under_the_limit_is_accepted()
    {
        await using var server = await CorrosionApiServer.StartAsync(o => o.MaxRequestBodyBytes = Limit);
        var prefix = "[[\"INSERT INTO todos (id, title) VALUES ('a', ?)\", [\"";
        var suffix = "\"]]]";
        var body = prefix + new string('y', (int)Limit - prefix.Length - suffix.Length) + suffix;
        Encoding.UTF8.GetByteCount(body).Should().Be((int)Limit);

        var response = await server.TransactAsync(body);

        response.Status.Should().Be(HttpStatusCode.OK, response.ToString());
    }

    [Fact]
    public async Task A_limit_above_kestrels_default_lets_big_bodies_through()
    {
        // Kestrel refuses bodies over 30,000,000 bytes unless the endpoint raises its limit.
        await using var server = await CorrosionApiServer.StartAsync(o => o.MaxRequestBodyBytes = 40_000_000);
        var title = new string('z', 31_000_000);

        var response = await server.TransactAsync(JsonSerializer.Serialize(new object[] { new object[] { "INSERT INTO todos (id, title) VALUES ('big', ?)", new[] { title } } }));

        response.Status.Should().Be(HttpStatusCode.OK, response.Text.Length > 300 ? response.Text[..300] : response.Text);
        (await server.QueryAsync("\"SELECT length(title) FROM todos\"")).Rows.Single().Cells[0].GetInt64().Should().Be(title.Length);
    }

    private static async Task AssertStillServingAsync(CorrosionApiServer server)
    {
        (await server.TransactAsync("""["INSERT INTO todos (id) VALUES ('after')"]""")).Status.Should().Be(HttpStatusCode.OK);
        (await server.QueryAsync("\"SELECT id FROM todos\"")).Rows.Single().Cells[0].GetString().Should().Be("after");
    }

    /// <summary>Content with no length, so HttpClient sends it chunked.</summary>
    private sealed class ChunkedContent(byte[] payload) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            for (var offset = 0; offset < payload.Length; offset += 1024)
            {
                await stream.WriteAsync(payload.AsMemory(offset, Math.Min(1024, payload.Length - offset)));
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
