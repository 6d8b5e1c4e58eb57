using System.Net;
using System.Text;
using Corrosion.Tracing;

namespace Corrosion.Host.Tests.Process;

/// <summary>
/// The real <c>corrosion agent</c> with <c>[telemetry] open-telemetry</c>: its spans reach a real OTLP receiver, over
/// OTLP/HTTP when configured from the <c>OTEL_*</c> environment and over gRPC to <c>exporter.endpoint</c>.
/// </summary>
public sealed class OpenTelemetryProcessTests
{
    private static readonly TimeSpan Deadline = AgentProcesses.Deadline;

    private static async Task WriteAsync(HttpClient client, string api, string id)
    {
        using var content = new StringContent($"""["INSERT INTO todos (id, title) VALUES ('{id}', 'traced')"]""", Encoding.UTF8, "application/json");
        using var response = await client.PostAsync($"http://{api}/v1/transactions", content);
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    private static async Task QueryAsync(HttpClient client, string api)
    {
        using var content = new StringContent("\"SELECT id FROM todos\"", Encoding.UTF8, "application/json");
        using var response = await client.PostAsync($"http://{api}/v1/queries", content);
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        await response.Content.ReadAsStringAsync();
    }

    [Fact]
    public async Task From_env_exports_the_transaction_span_over_otlp_http_to_OTEL_EXPORTER_OTLP_ENDPOINT()
    {
        await using var receiver = await OtlpReceiver.StartHttpAsync();
        using var dir = new TempDir();
        var config = AgentProcessTests.WriteConfig(dir, """

            [telemetry]
            open-telemetry = "from_env"
            """);
        var environment = new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Url,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_SERVICE_NAME"] = "corrosion-under-test",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
        };
        await using var agent = CorrosionProcess.Start(dir.Path, environment, "-c", config, "agent");
        var api = await AgentProcesses.WaitForApiAsync(agent);
        await agent.WaitForLineAsync($"Exporting traces over OTLP (http/protobuf) to {receiver.Url}/ (from OTEL_* environment)", Deadline);
        using var client = new HttpClient { Timeout = Deadline };

        await WriteAsync(client, api, "t1");
        await QueryAsync(client, api);

        await AgentProcesses.PollAsync(
            () => Task.FromResult(
                receiver.Received(CorrosionActivitySource.Transaction) && receiver.Received(CorrosionActivitySource.Query) &&
                receiver.Received("POST /v1/transactions")),
            "the transaction, query and request spans at the OTLP/HTTP receiver");
        receiver.Requests.Should().OnlyContain(r => r.Path == "/v1/traces");
        receiver.Received("corrosion-under-test").Should().BeTrue("OTEL_SERVICE_NAME names the service");
        receiver.Received("corrosion.statements").Should().BeTrue("the transaction span carries its statement count");
        receiver.Received("corrosion.rows").Should().BeTrue("the query span carries its row count");
        (await agent.TerminateAsync(Deadline)).Should().Be(0, agent.Stderr);
    }

    [Fact]
    public async Task Exporter_endpoint_without_scheme_exports_the_transaction_span_over_grpc()
    {
        await using var receiver = await OtlpReceiver.StartGrpcAsync();
        using var dir = new TempDir();
        var config = AgentProcessTests.WriteConfig(dir, $$"""

            [telemetry]
            open-telemetry.exporter = { endpoint = "127.0.0.1:{{receiver.Port}}" }
            """);
        var environment = new Dictionary<string, string> { ["OTEL_BSP_SCHEDULE_DELAY"] = "100" };
        await using var agent = CorrosionProcess.Start(dir.Path, environment, "-c", config, "agent");
        var api = await AgentProcesses.WaitForApiAsync(agent);
        await agent.WaitForLineAsync(
            $"Exporting traces over OTLP (grpc) to http://127.0.0.1:{receiver.Port}/ (from telemetry.open-telemetry.exporter.endpoint)", Deadline);
        using var client = new HttpClient { Timeout = Deadline };

        await WriteAsync(client, api, "t1");

        await AgentProcesses.PollAsync(() => Task.FromResult(receiver.Received(CorrosionActivitySource.Transaction)), "the transaction span at the gRPC receiver");
        receiver.Requests.Should().OnlyContain(r => r.Path == OtlpReceiver.GrpcExportPath);
        receiver.Received("corrosion").Should().BeTrue();
        (await agent.TerminateAsync(Deadline)).Should().Be(0, agent.Stderr);
    }

    [Fact]
    public async Task Without_open_telemetry_nothing_is_exported_even_with_OTEL_variables_set()
    {
        await using var receiver = await OtlpReceiver.StartHttpAsync();
        using var dir = new TempDir();
        var config = AgentProcessTests.WriteConfig(dir);
        var environment = new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Url,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
        };
        await using var agent = CorrosionProcess.Start(dir.Path, environment, "-c", config, "agent");
        var api = await AgentProcesses.WaitForApiAsync(agent);
        using var client = new HttpClient { Timeout = Deadline };

        await WriteAsync(client, api, "t1");

        // A graceful stop flushes an exporter's pending spans, so a registered SDK would have sent by now.
        (await agent.TerminateAsync(Deadline)).Should().Be(0, agent.Stderr);
        agent.Lines.Should().NotContain(l => l.Contains("Exporting traces", StringComparison.Ordinal));
        receiver.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task Exporter_endpoint_that_is_not_host_port_stops_the_agent_naming_the_key()
    {
        using var dir = new TempDir();
        var config = AgentProcessTests.WriteConfig(dir, """

            [telemetry]
            open-telemetry.exporter = { endpoint = "collector" }
            """);

        var result = await CorrosionProcess.RunAsync(dir.Path, Deadline, "-c", config, "agent");

        result.ExitCode.Should().Be(1);
        result.Err.Should().MatchRegex($@"^corrosion agent: config {System.Text.RegularExpressions.Regex.Escape(config)}:\d+: telemetry\.open-telemetry\.exporter\.endpoint: 'collector' is not a host:port or an http\(s\):// URL\n$");
    }
}
