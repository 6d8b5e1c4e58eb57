namespace Corrosion.Http;

/// <summary>A request the API refuses before running anything; the handler answers with the status and message.</summary>
internal sealed class HttpApiRequestException : Exception
{
    public HttpApiRequestException(int statusCode, string message)
        : base(message)
    {
        StatusCode = statusCode;
    }

    public HttpApiRequestException()
    {
    }

    public HttpApiRequestException(string message)
        : base(message)
    {
    }

    public HttpApiRequestException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public int StatusCode { get; } = 400;
}
