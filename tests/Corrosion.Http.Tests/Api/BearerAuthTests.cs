using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Corrosion.Http.Tests.Fixtures;

namespace Corrosion.Http.Tests.Api;

public sealed class BearerAuthTests
{
    private const string Token = "s3cr3t-t0ken";

    [Theory]
    [InlineData("/v1/transactions", "[\"INSERT INTO todos (id) VALUES ('a')\"]")]
    [InlineData("/v1/queries", "\"SELECT 1\"")]
    public async Task Without_a_token_configured_no_header_is_needed(string path, string body)
    {
        await using var server = await CorrosionApiServer.StartAsync();

        using var response = await server.PostAsync(path, body);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("/v1/transactions", "[\"INSERT INTO todos (id) VALUES ('a')\"]", null, "unauthorized: this API requires an 'Authorization: Bearer <token>' header")]
    [InlineData("/v1/transactions", "[\"INSERT INTO todos (id) VALUES ('a')\"]", "Bearer wrong", "unauthorized: invalid bearer token")]
    [InlineData("/v1/transactions", "[\"INSERT INTO todos (id) VALUES ('a')\"]", "Bearer s3cr3t-t0ke", "unauthorized: invalid bearer token")]
    [InlineData("/v1/transactions", "[\"INSERT INTO todos (id) VALUES ('a')\"]", "Bearer s3cr3t-t0ken-and-more", "unauthorized: invalid bearer token")]
    [InlineData("/v1/transactions", "[\"INSERT INTO todos (id) VALUES ('a')\"]", "Basic czNjcjN0LXQwa2Vu", "unauthorized: the Authorization header must use the Bearer scheme")]
    [InlineData("/v1/transactions", "[\"INSERT INTO todos (id) VALUES ('a')\"]", "s3cr3t-t0ken", "unauthorized: the Authorization header must use the Bearer scheme")]
    [InlineData("/v1/queries", "\"SELECT 1\"", null, "unauthorized: this API requires an 'Authorization: Bearer <token>' header")]
    [InlineData("/v1/queries", "\"SELECT 1\"", "Bearer wrong", "unauthorized: invalid bearer token")]
    [InlineData("/v1/updates/todos", "", null, "unauthorized: this API requires an 'Authorization: Bearer <token>' header")]
    public async Task With_a_token_configured_requests_without_it_get_401(string path, string body, string? authorization, string expected)
    {
        await using var server = await CorrosionApiServer.StartAsync(o => o.BearerToken = Token);
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using var response = await server.Client.SendAsync(request);
        var parsed = await ApiResponse.ReadAsync(response);

        parsed.Status.Should().Be(HttpStatusCode.Unauthorized, parsed.ToString());
        parsed.ContentType.Should().Be("application/json");
        parsed.Error.Should().Be(expected);
        response.Headers.WwwAuthenticate.Should().ContainSingle().Which.Scheme.Should().Be("Bearer");
        (await server.QueryAsync("\"SELECT count(*) FROM todos\"", bearerToken: Token)).Rows.Single().Cells[0].GetInt64()
            .Should().Be(0, "an unauthorized request must not run");
    }

    [Fact]
    public async Task With_the_right_token_both_endpoints_serve()
    {
        await using var server = await CorrosionApiServer.StartAsync(o => o.BearerToken = Token);

        var write = await server.TransactAsync("[\"INSERT INTO todos (id) VALUES ('a')\"]", bearerToken: Token);
        var read = await server.QueryAsync("\"SELECT id FROM todos\"", bearerToken: Token);

        write.Status.Should().Be(HttpStatusCode.OK, write.ToString());
        read.Status.Should().Be(HttpStatusCode.OK, read.ToString());
        read.Rows.Single().Cells[0].GetString().Should().Be("a");
    }

    [Fact]
    public async Task The_scheme_is_case_insensitive()
    {
        await using var server = await CorrosionApiServer.StartAsync(o => o.BearerToken = Token);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/queries") { Content = new StringContent("\"SELECT 1\"") };
        request.Headers.Authorization = new AuthenticationHeaderValue("bearer", Token);

        using var response = await server.Client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Authentication_comes_before_reading_the_body()
    {
        await using var server = await CorrosionApiServer.StartAsync(o => o.BearerToken = Token);

        // Malformed, and over no limit: without the token the answer is still 401, not 400.
        using var response = await server.PostAsync("/v1/transactions", "{{{ not json");

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }
}
