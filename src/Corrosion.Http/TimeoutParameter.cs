using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Corrosion.Http;

/// <summary>The <c>?timeout=&lt;seconds&gt;</c> query parameter: a non-negative number of seconds, 0 meaning none.</summary>
internal static class TimeoutParameter
{
    /// <summary>The timeout to apply, or null for none. A malformed value throws a 400 <see cref="HttpApiRequestException"/>.</summary>
    public static TimeSpan? Read(HttpRequest request, TimeSpan? fallback)
    {
        if (!request.Query.TryGetValue("timeout", out var values) || values.Count == 0)
        {
            return fallback is { } f && f > TimeSpan.Zero ? f : null;
        }

        var text = values[values.Count - 1];
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
            || !double.IsFinite(seconds) || seconds < 0 || seconds > TimeSpan.MaxValue.TotalSeconds / 2)
        {
            throw new HttpApiRequestException(StatusCodes.Status400BadRequest, $"invalid timeout '{text}': expected a non-negative number of seconds (0 for none)");
        }

        return seconds == 0 ? null : TimeSpan.FromSeconds(seconds);
    }
}
