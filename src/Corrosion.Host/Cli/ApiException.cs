namespace Corrosion.Host.Cli;

/// <summary>The API answered with an error; the message is what to show the user.</summary>
internal sealed class ApiException : Exception
{
    public ApiException(string message)
        : base(message)
    {
    }

    public ApiException()
    {
    }

    public ApiException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
