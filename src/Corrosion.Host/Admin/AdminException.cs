namespace Corrosion.Host.Admin;

/// <summary>An admin request failed; the message is what to show the user.</summary>
internal sealed class AdminException : Exception
{
    public AdminException(string message)
        : base(message)
    {
    }

    public AdminException()
    {
    }

    public AdminException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
