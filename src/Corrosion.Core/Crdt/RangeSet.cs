namespace Corrosion.Crdt;

/// <summary>A set of integers kept as sorted, disjoint, non-adjacent inclusive ranges.</summary>
internal sealed class RangeSet
{
    private readonly List<InclusiveRange> _ranges = [];

    public IReadOnlyList<InclusiveRange> Ranges => _ranges;

    public bool IsEmpty => _ranges.Count == 0;

    public bool Contains(long value)
    {
        var i = IndexAtOrBefore(value);
        return i >= 0 && _ranges[i].Contains(value);
    }

    /// <summary>True when every value of <paramref name="range"/> is in the set.</summary>
    public bool ContainsAll(InclusiveRange range)
    {
        var i = IndexAtOrBefore(range.Start);
        return i >= 0 && _ranges[i].Start <= range.Start && _ranges[i].End >= range.End;
    }

    public void Add(InclusiveRange range)
    {
        if (range.End < range.Start)
        {
            return;
        }

        var start = range.Start;
        var end = range.End;
        var i = 0;
        while (i < _ranges.Count && _ranges[i].End < start - 1)
        {
            i++;
        }

        while (i < _ranges.Count && _ranges[i].Start <= end + 1)
        {
            start = Math.Min(start, _ranges[i].Start);
            end = Math.Max(end, _ranges[i].End);
            _ranges.RemoveAt(i);
        }

        _ranges.Insert(i, new InclusiveRange(start, end));
    }

    public void Remove(InclusiveRange range)
    {
        for (var i = 0; i < _ranges.Count; i++)
        {
            var r = _ranges[i];
            if (r.End < range.Start || r.Start > range.End)
            {
                continue;
            }

            _ranges.RemoveAt(i);
            var inserted = 0;
            if (r.Start < range.Start)
            {
                _ranges.Insert(i + inserted++, new InclusiveRange(r.Start, range.Start - 1));
            }

            if (r.End > range.End)
            {
                _ranges.Insert(i + inserted++, new InclusiveRange(range.End + 1, r.End));
            }

            i += inserted - 1;
        }
    }

    /// <summary>The parts of <paramref name="range"/> not in the set.</summary>
    public List<InclusiveRange> Missing(InclusiveRange range)
    {
        var missing = new List<InclusiveRange>();
        var next = range.Start;
        foreach (var r in _ranges)
        {
            if (r.End < next)
            {
                continue;
            }

            if (r.Start > range.End)
            {
                break;
            }

            if (r.Start > next)
            {
                missing.Add(new InclusiveRange(next, r.Start - 1));
            }

            next = r.End + 1;
        }

        if (next <= range.End)
        {
            missing.Add(new InclusiveRange(next, range.End));
        }

        return missing;
    }

    private int IndexAtOrBefore(long value)
    {
        int lo = 0, hi = _ranges.Count - 1, found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) / 2;
            if (_ranges[mid].Start <= value)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return found;
    }
}
