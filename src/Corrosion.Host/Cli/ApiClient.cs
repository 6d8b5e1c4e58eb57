using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Corrosion.Host.Config;

namespace Corrosion.Host.Cli;

/// <summary>
/// The agent's HTTP API as the CLI uses it: <c>POST /v1/transactions</c> and the streamed <c>POST /v1/queries</c>.
/// Parameters are always sent as JSON strings, as the original CLI does.
/// </summary>
internal sealed class ApiClient : IDisposable
{
    private readonly HttpClient _http;

    public ApiClient(IPEndPoint apiAddr, string? bearerToken)
    {
        var target = Addresses.ForConnecting(apiAddr);
        BaseAddress = new Uri($"http://{target}/");
        _http = new HttpClient { BaseAddress = BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        if (bearerToken is not null)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearerToken);
        }
    }

    public Uri BaseAddress { get; }

    /// <summary>Runs one statement in a transaction; returns the response's JSON (200) or throws <see cref="ApiException"/>.</summary>
    public async Task<JsonDocument> ExecuteAsync(string sql, IReadOnlyList<string> parameters, ulong? timeoutSecs, CancellationToken cancellationToken)
    {
        var body = BuildBody(sql, parameters, asArrayOfStatements: true);
        using var response = await SendAsync("v1/transactions", body, timeoutSecs, HttpCompletionOption.ResponseContentRead, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new ApiException(DescribeError(response.StatusCode, text));
        }

        try
        {
            return JsonDocument.Parse(text);
        }
        catch (JsonException ex)
        {
            throw new ApiException($"the API answered something that is not JSON: {ex.Message}");
        }
    }

    /// <summary>Starts a query; the caller reads NDJSON events from the returned response.</summary>
    public async Task<HttpResponseMessage> QueryAsync(string sql, IReadOnlyList<string> parameters, ulong? timeoutSecs, CancellationToken cancellationToken)
    {
        var body = BuildBody(sql, parameters, asArrayOfStatements: false);
        var response = await SendAsync("v1/queries", body, timeoutSecs, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            using (response)
            {
                var text = await response.Content.ReadAsStringAsync(cancellationToken);
                throw new ApiException(DescribeError(response.StatusCode, text));
            }
        }

        return response;
    }

    public void Dispose() => _http.Dispose();

    /// <summary>
    /// <c>[["sql", ["p1", ...]]]</c> for a transaction, <c>["sql", ["p1", ...]]</c> for a query; without params the
    /// statement is just the SQL string.
    /// </summary>
    internal static string BuildBody(string sql, IReadOnlyList<string> parameters, bool asArrayOfStatements)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            if (asArrayOfStatements)
            {
                writer.WriteStartArray();
            }

            if (parameters.Count == 0)
            {
                writer.WriteStringValue(sql);
            }
            else
            {
                writer.WriteStartArray();
                writer.WriteStringValue(sql);
                writer.WriteStartArray();
                foreach (var parameter in parameters)
                {
                    writer.WriteStringValue(parameter);
                }

                writer.WriteEndArray();
                writer.WriteEndArray();
            }

            if (asArrayOfStatements)
            {
                writer.WriteEndArray();
            }
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The error a failed response carries: <c>{"error":..}</c>, <c>{"results":[{"error":..}]}</c> or plain text.</summary>
    internal static string DescribeError(HttpStatusCode status, string body)
    {
        var code = $"HTTP {(int)status} {status}";
        try
        {
            using var json = JsonDocument.Parse(body);
            if (FindError(json.RootElement) is { } error)
            {
                return $"{error} ({code})";
            }
        }
        catch (JsonException)
        {
        }

        body = body.Trim();
        return body.Length == 0 ? code : $"{body} ({code})";
    }

    /// <summary>The first <c>error</c> in a response object or its <c>results</c>.</summary>
    internal static string? FindError(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (root.TryGetProperty("error", out var error))
        {
            return error.ValueKind == JsonValueKind.String ? error.GetString() : error.GetRawText();
        }

        if (root.TryGetProperty("results", out var results) && results.ValueKind == JsonValueKind.Array)
        {
            foreach (var result in results.EnumerateArray())
            {
                if (FindError(result) is { } inner)
                {
                    return inner;
                }
            }
        }

        return null;
    }

    /// <summary>A message for a request that never got an answer.</summary>
    public string DescribeFailure(HttpRequestException ex)
    {
        var reason = ex.InnerException is SocketException socket ? socket.Message : ex.Message;
        return $"could not reach the Corrosion API at {BaseAddress}: {reason} (is the agent running? set the address with --api-addr or api.addr)";
    }

    private async Task<HttpResponseMessage> SendAsync(string path, string body, ulong? timeoutSecs, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        if (timeoutSecs is { } timeout)
        {
            path += "?timeout=" + timeout.ToString(CultureInfo.InvariantCulture);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        return await _http.SendAsync(request, completion, cancellationToken);
    }
}
