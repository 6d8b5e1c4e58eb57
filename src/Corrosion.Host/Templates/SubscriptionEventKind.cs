namespace Corrosion.Host.Templates;

internal enum SubscriptionEventKind
{
    Columns,
    Row,
    EndOfQuery,
    Change,
    Error,
}
