using Corrosion.Http.Tests.Fixtures;
using Corrosion.TestKit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Corrosion.Http.Tests.Api;

public sealed class RegistrationTests
{
    [Fact]
    public async Task MapCorrosion_without_AddCorrosion_fails_fast()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        await using var app = builder.Build();

        var act = () => app.MapCorrosion();

        act.Should().Throw<InvalidOperationException>().WithMessage("Call AddCorrosion() first.");
    }

    [Fact]
    public async Task MapCorrosion_maps_the_v1_group_and_returns_it()
    {
        using var directory = new TempDirectory();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddCorrosion(o => o.DatabasePath = Path.Combine(directory.Path, "state.db")).AddHttpApi();
        await using var app = builder.Build();

        var group = app.MapCorrosion();

        group.Should().NotBeNull();
        var patterns = ((IEndpointRouteBuilder)app).DataSources.SelectMany(s => s.Endpoints).OfType<RouteEndpoint>()
            .Select(e => e.RoutePattern.RawText).ToList();
        patterns.Should().Contain(["/v1/transactions", "/v1/queries"]);
    }

    [Theory]
    [InlineData(0L, null, "MaxRequestBodyBytes")]
    [InlineData(-5L, null, "MaxRequestBodyBytes")]
    [InlineData(1024L, "", "BearerToken")]
    [InlineData(1024L, "   ", "BearerToken")]
    [InlineData(1024L, "has space", "BearerToken")]
    public async Task Invalid_options_stop_the_host_at_start_naming_the_setting(long maxBody, string? token, string expected)
    {
        using var directory = new TempDirectory();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddCorrosion(o => o.DatabasePath = Path.Combine(directory.Path, "state.db")).AddHttpApi(o =>
        {
            o.MaxRequestBodyBytes = maxBody;
            o.BearerToken = token;
        });
        await using var app = builder.Build();
        app.MapCorrosion();

        var act = () => app.StartAsync();

        (await act.Should().ThrowAsync<OptionsValidationException>()).Which.Message.Should().Contain(expected);
    }

    [Fact]
    public async Task A_negative_default_query_timeout_is_refused_at_start()
    {
        using var directory = new TempDirectory();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddCorrosion(o => o.DatabasePath = Path.Combine(directory.Path, "state.db"))
            .AddHttpApi(o => o.DefaultQueryTimeout = TimeSpan.FromSeconds(-1));
        await using var app = builder.Build();

        var act = () => app.StartAsync();

        (await act.Should().ThrowAsync<OptionsValidationException>()).Which.Message.Should().Contain("DefaultQueryTimeout");
    }

    [Fact]
    public void AddHttpApi_is_idempotent_and_applies_every_configure()
    {
        var services = new ServiceCollection();
        var corrosion = services.AddCorrosion(o => o.DatabasePath = "unused.db");

        corrosion.AddHttpApi(o => o.BearerToken = "t").AddHttpApi(o => o.MaxRequestBodyBytes = 10);
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<HttpApiOptions>>().Value;
        options.BearerToken.Should().Be("t");
        options.MaxRequestBodyBytes.Should().Be(10);
        options.DefaultQueryTimeout.Should().Be(TimeSpan.FromSeconds(60));
        services.Count(d => d.ImplementationType == typeof(HttpApiOptionsValidator)).Should().Be(1);
        services.Count(d => d.ImplementationType == typeof(HttpApiBearerTokenValidator)).Should().Be(1);
    }
}
