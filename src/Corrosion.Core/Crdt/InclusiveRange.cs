namespace Corrosion.Crdt;

/// <summary>An inclusive range of versions or seqs, <c>Start..=End</c>.</summary>
/// <param name="Start">The first value of the range.</param>
/// <param name="End">The last value of the range, inclusive.</param>
public readonly record struct InclusiveRange(long Start, long End)
{
    /// <summary>How many values the range holds (<c>End - Start + 1</c>).</summary>
    public long Length => End - Start + 1;

    /// <summary>Whether <paramref name="value"/> lies within <c>Start..=End</c>.</summary>
    public bool Contains(long value) => value >= Start && value <= End;

    /// <summary><c>Start..=End</c>, or just <c>Start</c> for a single value.</summary>
    public override string ToString() => Start == End ? $"{Start}" : $"{Start}..={End}";
}
