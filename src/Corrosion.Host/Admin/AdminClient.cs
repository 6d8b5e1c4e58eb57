using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Corrosion.Host.Admin;

/// <summary>Sends one admin request and reads its answer.</summary>
internal static class AdminClient
{
    /// <summary>The <c>ok</c> value, or throws <see cref="AdminException"/> with a message fit for the user.</summary>
    public static Task<JsonElement> SendAsync(string socketPath, string command, CancellationToken cancellationToken) =>
        SendAsync(socketPath, new AdminRequest(command), cancellationToken);

    /// <summary>The <c>ok</c> value, or throws <see cref="AdminException"/> with a message fit for the user.</summary>
    public static async Task<JsonElement> SendAsync(string socketPath, AdminRequest adminRequest, CancellationToken cancellationToken)
    {
        if (!File.Exists(socketPath))
        {
            throw new AdminException($"there is no admin socket at {socketPath} (is the agent running? set the path with --admin-path or admin.path)");
        }

        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
        }
        catch (SocketException ex)
        {
            throw new AdminException($"could not connect to the admin socket at {socketPath}: {ex.Message} (is the agent running? set the path with --admin-path or admin.path)", ex);
        }

        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var request = Encoding.UTF8.GetBytes(adminRequest.ToJson() + "\n");
        await stream.WriteAsync(request, cancellationToken);
        var line = await new AdminLineReader(stream).ReadLineAsync(cancellationToken)
            ?? throw new AdminException($"the agent closed the admin socket at {socketPath} without answering");
        if (!AdminResponse.TryRead(line, out var ok, out var error))
        {
            throw new AdminException(error!);
        }

        return ok;
    }
}
