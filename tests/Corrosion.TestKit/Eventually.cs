namespace Corrosion.TestKit;

/// <summary>Polls a condition until it holds or a deadline passes; the failure names what was awaited.</summary>
public static class Eventually
{
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, Func<Task<string>>? describe = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        var delay = TimeSpan.FromMilliseconds(10);
        while (true)
        {
            if (await condition())
            {
                return;
            }

            if (DateTime.UtcNow >= deadline)
            {
                var state = describe is null ? string.Empty : $"; last state: {await describe()}";
                throw new TimeoutException($"timed out after {timeout.TotalSeconds:0.#}s waiting for {what}{state}");
            }

            await Task.Delay(delay);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 250));
        }
    }

    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what) =>
        UntilAsync(() => Task.FromResult(condition()), timeout, what);
}
