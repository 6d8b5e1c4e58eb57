namespace Corrosion.Host.Admin;

/// <summary>
/// The agent cannot listen at <c>admin.path</c> (another agent answers there, the file is not a socket, or the bind is
/// refused). An operator error: the message names the path and the key to fix, so the agent reports it without a
/// stack trace.
/// </summary>
internal sealed class AdminSocketUnavailableException : InvalidOperationException
{
    public AdminSocketUnavailableException(string message)
        : base(message)
    {
    }

    public AdminSocketUnavailableException()
    {
    }

    public AdminSocketUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
