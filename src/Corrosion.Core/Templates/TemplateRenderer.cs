using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using System.Threading.Channels;
using Corrosion.Logging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Corrosion.Templates;

/// <summary>
/// Renders one template to a file and keeps it current: after each render it watches the queries that render ran,
/// and when any of them changes it waits for the burst to settle (<see cref="TemplateRendererOptions.Debounce"/>,
/// at most <see cref="TemplateRendererOptions.MaxDelay"/>) and renders again. The file is replaced atomically;
/// a failed render logs its error and leaves the previous file in place.
/// </summary>
public sealed class TemplateRenderer
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    private readonly ITemplateQuerySource _source;
    private readonly TemplateRendererOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private string? _templateText;
    private (DateTime WrittenUtc, long Length) _sourceStamp;
    private Template? _template;
    private long _renderCount;
    private TemplateException? _lastError;

    /// <summary>Creates a renderer; nothing is read or written until <see cref="RunAsync"/>.</summary>
    /// <param name="source">Where the template's <c>sql(...)</c> calls get their data.</param>
    /// <param name="options">The template and destination paths and the re-render timing.</param>
    /// <param name="logger">Where render errors and progress are logged; none when <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock for the debounce and polling delays and render timings; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> or <paramref name="options"/> is null.</exception>
    public TemplateRenderer(ITemplateQuerySource source, TemplateRendererOptions options, ILogger<TemplateRenderer>? logger = null, TimeProvider? timeProvider = null)
    {
        _source = source ?? throw new ArgumentNullException(nameof(source));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _logger = logger ?? NullLogger<TemplateRenderer>.Instance;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>How many renders have written the destination so far.</summary>
    public long RenderCount => Interlocked.Read(ref _renderCount);

    /// <summary>The error of the latest render, or null if it succeeded (or none ran yet).</summary>
    public TemplateException? LastError => Volatile.Read(ref _lastError);

    /// <summary>
    /// Renders, then (unless <see cref="TemplateRendererOptions.Once"/>) re-renders on changes until cancelled.
    /// With <c>Once</c>, a render error is thrown as <see cref="TemplateException"/>; while watching it is logged.
    /// Returns normally when cancelled while watching.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        if (_options.Once)
        {
            var once = await RenderAsync(cancellationToken).ConfigureAwait(false);
            if (once.Error is not null)
            {
                throw once.Error;
            }

            return;
        }

        Log.TemplateWatching(_logger, _options.SourcePath, _options.DestinationPath);
        try
        {
            while (true)
            {
                var render = await RenderAsync(cancellationToken).ConfigureAwait(false);
                await WaitForChangesAsync(render.Queries, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping is the normal end of watching.
        }
    }

    private async Task<(IReadOnlyDictionary<TemplateQuery, long> Queries, TemplateException? Error)> RenderAsync(CancellationToken cancellationToken)
    {
        var recording = new RecordingQuerySource(_source);
        var started = _time.GetTimestamp();
        try
        {
            var template = await LoadAsync(cancellationToken).ConfigureAwait(false);
            var output = await template.RenderAsync(recording, _options.Render, cancellationToken).ConfigureAwait(false);
            await WriteOutputAsync(output, cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _lastError, null);
            Interlocked.Increment(ref _renderCount);
            Log.TemplateRendered(_logger, _options.SourcePath, _options.DestinationPath, _time.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (TemplateException ex)
        {
            LogRenderFailed(ex.Message);
            Volatile.Write(ref _lastError, ex);
            return (recording.Seen, ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Any other I/O failure: reported like a template error, without a position.
            var error = new TemplateException(_options.SourcePath, 0, 0, ex.Message, ex);
            LogRenderFailed(ex.Message);
            Volatile.Write(ref _lastError, error);
            return (recording.Seen, error);
        }

        await RunCommandAsync(cancellationToken).ConfigureAwait(false);
        return (recording.Seen, null);
    }

    /// <summary>
    /// While watching, a failed render is logged (the previous output stays). With <c>Once</c> it is thrown to the
    /// caller, which reports it (the CLI on stderr), so it is not logged as well.
    /// </summary>
    private void LogRenderFailed(string reason)
    {
        if (!_options.Once)
        {
            Log.TemplateRenderFailed(_logger, _options.SourcePath, _options.DestinationPath, reason);
        }
    }

    private async Task<Template> LoadAsync(CancellationToken cancellationToken)
    {
        // Stamp before reading: an edit made while reading or rendering shows up as a change afterwards.
        _sourceStamp = SourceStamp();
        string text;
        try
        {
            text = await File.ReadAllTextAsync(_options.SourcePath, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new TemplateException(_options.SourcePath, 0, 0, $"cannot read the template: {ex.Message}", ex);
        }

        if (_template is null || !string.Equals(text, _templateText, StringComparison.Ordinal))
        {
            _template = null;
            _template = Template.Parse(text, _options.SourcePath);
            _templateText = text;
        }

        return _template;
    }

    /// <summary>Writes the output; a failure names the destination, not a place in the template.</summary>
    private async Task WriteOutputAsync(string output, CancellationToken cancellationToken)
    {
        try
        {
            await WriteAtomicallyAsync(_options.DestinationPath, output, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new TemplateException(_options.SourcePath, 0, 0, $"cannot write {_options.DestinationPath}: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Writes a temp file next to the destination, flushes it to disk, then renames it over the destination, so
    /// readers see either the old file or the new one, never a partial one.
    /// </summary>
    internal static async Task WriteAtomicallyAsync(string destination, string content, CancellationToken cancellationToken)
    {
        var full = Path.GetFullPath(destination);
        var directory = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous);
            await using (stream.ConfigureAwait(false))
            {
                await stream.WriteAsync(Utf8.GetBytes(content), cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private async Task RunCommandAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(_options.Command))
        {
            return;
        }

        try
        {
            var words = CommandLine.Split(_options.Command);
            if (words.Count == 0)
            {
                return;
            }

            var start = new ProcessStartInfo(words[0]) { UseShellExecute = false };
            foreach (var arg in words.Skip(1))
            {
                start.ArgumentList.Add(arg);
            }

            using var process = Process.Start(start) ?? throw new InvalidOperationException("the process did not start");
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            if (process.ExitCode != 0)
            {
                Log.TemplateCommandExited(_logger, _options.Command, _options.DestinationPath, process.ExitCode);
            }
        }
        catch (Win32Exception ex)
        {
            // The program is missing or not executable: the OS's reason says it all, a stack trace would bury it.
            Log.TemplateCommandNotStarted(_logger, _options.Command, _options.DestinationPath, ex.Message);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.TemplateCommandFailed(_logger, _options.Command, _options.DestinationPath, ex);
        }
    }

    /// <summary>
    /// Returns once a change to one of <paramref name="queries"/> has been followed by <see cref="TemplateRendererOptions.Debounce"/>
    /// of quiet, or <see cref="TemplateRendererOptions.MaxDelay"/> after the first change, whichever is sooner.
    /// The template file is watched too, so an edit re-renders.
    /// </summary>
    private async Task WaitForChangesAsync(IReadOnlyDictionary<TemplateQuery, long> queries, CancellationToken cancellationToken)
    {
        // One slot is enough: a change signal only needs to say "something changed since you last looked".
        var signals = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var watchers = queries.Select(q => WatchAsync(q.Key, q.Value, signals.Writer, watching.Token))
            .Append(WatchSourceAsync(signals.Writer, watching.Token))
            .ToArray();
        try
        {
            await signals.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var changes = 1;
            var first = _time.GetTimestamp();
            while (true)
            {
                var left = _options.MaxDelay - _time.GetElapsedTime(first);
                if (left <= TimeSpan.Zero)
                {
                    break;
                }

                using var quiet = new CancellationTokenSource(left < _options.Debounce ? left : _options.Debounce, _time);
                using var waiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, quiet.Token);
                try
                {
                    await signals.Reader.ReadAsync(waiting.Token).ConfigureAwait(false);
                    changes++;
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    break;
                }
            }

            Log.TemplateChanged(_logger, changes, _options.SourcePath);
        }
        finally
        {
            await watching.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(watchers).ConfigureAwait(false);
        }
    }

    /// <summary>Polls the template file's timestamp and size; an edit counts as a change (the original re-rendered on edits too).</summary>
    private async Task WatchSourceAsync(ChannelWriter<bool> signals, CancellationToken cancellationToken)
    {
        if (_options.SourcePollInterval <= TimeSpan.Zero || _options.SourcePollInterval == Timeout.InfiniteTimeSpan)
        {
            return;
        }

        try
        {
            var seen = _sourceStamp;
            while (true)
            {
                await Task.Delay(_options.SourcePollInterval, _time, cancellationToken).ConfigureAwait(false);
                var now = SourceStamp();
                if (now != seen)
                {
                    seen = now;
                    signals.TryWrite(true);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private (DateTime WrittenUtc, long Length) SourceStamp()
    {
        var info = new FileInfo(_options.SourcePath);
        return info.Exists ? (info.LastWriteTimeUtc, info.Length) : default;
    }

    private async Task WatchAsync(TemplateQuery query, long version, ChannelWriter<bool> signals, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                version = await _source.WaitForChangeAsync(query, version, cancellationToken).ConfigureAwait(false);
                signals.TryWrite(true);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            Log.TemplateWatchFailed(_logger, _options.SourcePath, ex);
        }
    }
}
