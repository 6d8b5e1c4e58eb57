using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Corrosion.TestKit;

/// <summary>Collects formatted log lines with their event ids.</summary>
public sealed class ListLoggerProvider : ILoggerProvider, ILoggerFactory
{
    public ConcurrentQueue<(EventId EventId, LogLevel Level, string Message)> Entries { get; } = new();

    /// <summary>The messages logged with <paramref name="eventId"/> at <paramref name="level"/>, in order.</summary>
    public IEnumerable<string> Messages(int eventId, LogLevel level) =>
        Entries.Where(e => e.EventId.Id == eventId && e.Level == level).Select(e => e.Message);

    public ILogger CreateLogger(string categoryName) => new ListLogger(this);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class ListLogger(ListLoggerProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Entries.Enqueue((eventId, logLevel, formatter(state, exception)));
    }
}
