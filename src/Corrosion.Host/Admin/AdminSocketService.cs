using System.Net.Sockets;
using System.Text;
using Corrosion.Host.Logging;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Corrosion.Host.Admin;

/// <summary>
/// The admin Unix domain socket. Binding happens in <see cref="StartAsync"/> so a bad path or a running agent stops
/// the host from starting: the socket file is created owner-only (0600) with its parent directory made if missing;
/// a stale file that nobody listens on is replaced; a live one is an error. The file is removed on clean stop.
/// </summary>
internal sealed class AdminSocketService : BackgroundService
{
    private readonly AdminCommandHandler _handler;
    private readonly ILogger<AdminSocketService> _logger;
    private readonly string _path;
    private Socket? _listener;

    public AdminSocketService(AdminCommandHandler handler, IOptions<AdminSocketOptions> options, ILogger<AdminSocketService> logger)
    {
        _handler = handler;
        _logger = logger;
        _path = Path.GetFullPath(options.Value.Path);
    }

    public string SocketPath => _path;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        Log.StartingAdminSocket(_logger, _path);
        _listener = await BindAsync(_path, _logger, cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            // Cancels the accept loop and the open connections, and waits for them.
            await base.StopAsync(cancellationToken);
        }
        finally
        {
            if (_listener is not null)
            {
                _listener.Dispose();
                TryDelete(_path);
                Log.AdminSocketStopped(_logger, _path);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var listener = _listener!;
        var connections = new List<Task>();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var client = await listener.AcceptAsync(stoppingToken);
                connections.RemoveAll(t => t.IsCompleted);
                connections.Add(ServeAsync(client, stoppingToken));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (ObjectDisposedException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (SocketException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await Task.WhenAll(connections);
    }

    /// <summary>Binds and listens at <paramref name="path"/>, replacing a stale socket file.</summary>
    internal static async Task<Socket> BindAsync(string path, ILogger logger, CancellationToken cancellationToken)
    {
        UnixDomainSocketEndPoint endpoint;
        try
        {
            endpoint = new UnixDomainSocketEndPoint(path);
        }
        catch (ArgumentOutOfRangeException ex)
        {
            // sun_path is about 100 bytes (108 on Linux, 104 on macOS); a longer admin.path can never be bound.
            throw new AdminSocketUnavailableException($"admin.path: {path} is too long for a Unix domain socket on this platform; choose a shorter path", ex);
        }

        var directory = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(directory) && !Directory.Exists(directory))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory);
            }
            else
            {
                Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        if (File.Exists(path))
        {
            // A socket file is always empty; anything with content is some other file (a wrong admin.path) and is
            // never deleted. (.NET does not tell socket files from regular ones, so size is the safe tell.)
            if (new FileInfo(path).Length > 0)
            {
                throw new AdminSocketUnavailableException($"admin socket path {path} exists and is not a socket; refusing to replace it (check admin.path)");
            }

            if (await IsListeningAsync(path, cancellationToken))
            {
                throw new AdminSocketUnavailableException($"another Corrosion agent is already listening on the admin socket {path}; stop it or set a different admin.path");
            }

            File.Delete(path);
            Log.StaleAdminSocketRemoved(logger, path);
        }

        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(endpoint);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            socket.Listen(16);
            return socket;
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw new AdminSocketUnavailableException($"cannot listen on the admin socket {path}: {ex.Message}", ex);
        }
    }

    private static async Task<bool> IsListeningAsync(string path, CancellationToken cancellationToken)
    {
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await probe.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken);
            return true;
        }
        catch (SocketException)
        {
            return false;
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

    private async Task ServeAsync(Socket client, CancellationToken stoppingToken)
    {
        await Task.Yield();
        try
        {
            using (client)
            await using (var stream = new NetworkStream(client, ownsSocket: false))
            {
                var reader = new AdminLineReader(stream);
                while (true)
                {
                    var line = await reader.ReadLineAsync(stoppingToken);
                    if (line is null)
                    {
                        break;
                    }

                    AdminResponse response;
                    if (line.Length > AdminRequest.MaxLineBytes)
                    {
                        response = AdminResponse.Error($"request longer than {AdminRequest.MaxLineBytes} bytes");
                        await WriteAsync(stream, response, stoppingToken);
                        break;
                    }

                    Log.AdminRequest(_logger, line);
                    response = await _handler.HandleAsync(line, stoppingToken);
                    await WriteAsync(stream, response, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is IOException or SocketException)
        {
            Log.AdminConnectionFailed(_logger, ex);
        }
    }

    private static async Task WriteAsync(Stream stream, AdminResponse response, CancellationToken cancellationToken)
    {
        var bytes = Encoding.UTF8.GetBytes(response.Json + "\n");
        await stream.WriteAsync(bytes, cancellationToken);
        await stream.FlushAsync(cancellationToken);
    }
}
