using System.Diagnostics;

namespace Corrosion.Benchmarks;

internal static class Measure
{
    public static string Workspace()
    {
        var path = Path.Combine(Path.GetTempPath(), $"corrosion-bench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }

    public static async Task<TimeSpan> TimeAsync(Func<Task> action)
    {
        var started = Stopwatch.GetTimestamp();
        await action();
        return Stopwatch.GetElapsedTime(started);
    }

    public static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }

    public static void Report(string name, string unit, double value) => Console.WriteLine($"{name,-58} {value,14:N0} {unit}");
}
