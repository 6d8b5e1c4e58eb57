using System.Reflection;
using Microsoft.Extensions.Logging;

namespace Corrosion.Http.Tests;

public sealed class LogTests
{
    [Fact]
    public void Every_log_message_has_a_unique_named_event_id_in_the_http_range()
    {
        var attributes = typeof(Log).GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Select(m => (Method: m.Name, Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()))
            .ToList();

        attributes.Should().NotBeEmpty();
        attributes.Should().OnlyContain(a => a.Attribute != null, "every Log method is source-generated");
        attributes.Select(a => a.Attribute!.EventId).Should().OnlyHaveUniqueItems().And.OnlyContain(id => id >= 3000 && id <= 3999);
        attributes.Should().OnlyContain(a => a.Attribute!.EventName == a.Method, "event names match their method");
    }
}
