namespace Corrosion.Crdt;

/// <summary>An inclusive range of versions or seqs, <c>Start..=End</c>.</summary>
public readonly record struct InclusiveRange(long Start, long End)
{
    public long Length => End - Start + 1;

    public bool Contains(long value) => value >= Start && value <= End;

    public override string ToString() => Start == End ? $"{Start}" : $"{Start}..={End}";
}
