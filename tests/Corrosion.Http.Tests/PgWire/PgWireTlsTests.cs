using System.Net;
using Corrosion.Gossip.Tls;
using Corrosion.Http.PgWire;
using Corrosion.TestKit;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Corrosion.Http.Tests.PgWire;

/// <summary><c>api.pg.tls</c>: SSLRequest answered 'S' and a TLS handshake; <c>verify_client</c> demands a client certificate from the CA.</summary>
public sealed class PgWireTlsTests : IDisposable
{
    private readonly TempDirectory _pki = new("corrosion-pg-pki");
    private readonly CertificateFiles _ca;
    private readonly CertificateFiles _server;
    private readonly CertificateFiles _client;

    public PgWireTlsTests()
    {
        var authority = new CertificateAuthority();
        _ca = authority.GenerateCa(_pki.Combine("ca"), "pg test CA");
        _server = authority.GenerateServer(_pki.Combine("server"), IPAddress.Loopback, _ca.CertificatePath, _ca.KeyPath);
        _client = authority.GenerateClient(_pki.Combine("client"), _ca.CertificatePath, _ca.KeyPath);
    }

    public void Dispose() => _pki.Dispose();

    [Fact]
    public async Task Npgsql_connects_over_tls_and_verifies_the_server_against_the_ca()
    {
        await using var server = await PgWireTestServer.StartAsync(tls: new PgWireTlsOptions { CertFile = _server.CertificatePath, KeyFile = _server.KeyPath });
        await using var connection = new NpgsqlConnection($"{server.ConnectionString};SSL Mode=VerifyCA;Root Certificate={_ca.CertificatePath}");
        await connection.OpenAsync();

        await using var command = new NpgsqlCommand("SELECT 'over tls'", connection);
        ((string?)await command.ExecuteScalarAsync()).Should().Be("over tls");
    }

    [Fact]
    public async Task Verify_client_refuses_a_client_without_a_certificate_and_accepts_one_from_the_ca()
    {
        await using var server = await PgWireTestServer.StartAsync(tls: new PgWireTlsOptions
        {
            CertFile = _server.CertificatePath,
            KeyFile = _server.KeyPath,
            CaFile = _ca.CertificatePath,
            VerifyClient = true,
        });
        var tls = $"{server.ConnectionString};SSL Mode=VerifyCA;Root Certificate={_ca.CertificatePath}";

        await using (var anonymous = new NpgsqlConnection(tls))
        {
            var act = async () => await anonymous.OpenAsync();
            await act.Should().ThrowAsync<Exception>("verify_client requires a client certificate");
        }

        await using (var plaintext = new NpgsqlConnection($"{server.ConnectionString};SSL Mode=Disable"))
        {
            var act = async () => await plaintext.OpenAsync();
            (await act.Should().ThrowAsync<PostgresException>()).Which.SqlState.Should().Be("28000");
        }

        await using var mutual = new NpgsqlConnection($"{tls};SSL Certificate={_client.CertificatePath};SSL Key={_client.KeyPath}");
        await mutual.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT 1", mutual);
        ((long)(await command.ExecuteScalarAsync())!).Should().Be(1);
    }

    [Fact]
    public async Task Invalid_options_fail_the_start_naming_the_key()
    {
        using var dir = new TempDirectory("corrosion-pg-options");
        await using var node = await NodeFactory.OpenAsync(dir, "node", PgWireTestServer.Schema);
        using var server = new PgWireServer(
            new PgWireOptions { Address = "nowhere", Tls = new PgWireTlsOptions { CertFile = "/missing.pem", KeyFile = string.Empty, VerifyClient = true } },
            node,
            NullLoggerFactory.Instance);

        var act = async () => await server.StartAsync(CancellationToken.None);

        var failures = (await act.Should().ThrowAsync<OptionsValidationException>()).Which.Failures;
        failures.Should().BeEquivalentTo(
            "api.pg.addr: 'nowhere' is not ip:port",
            "api.pg.tls.cert_file: '/missing.pem' does not exist",
            "api.pg.tls.key_file: is required when api.pg.tls is set",
            "api.pg.tls.ca_file: is required when api.pg.tls.verify_client is true");
    }
}
