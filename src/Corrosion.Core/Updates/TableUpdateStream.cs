using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Corrosion.Crdt;

namespace Corrosion.Updates;

/// <summary>
/// Primary keys of one table as they change, local and replicated writes alike, in commit order. There is no
/// snapshot: only changes committed after the stream opened. A reader that falls more than the buffer behind is
/// cut off (its enumeration throws <see cref="TableUpdatesLaggedException"/>) so it never slows the writer.
/// </summary>
public sealed class TableUpdateStream : IDisposable
{
    private readonly ChangeFeedSubscription _feed;
    private readonly Action<TableUpdateStream>? _closed;

    internal TableUpdateStream(string table, IReadOnlyList<string> primaryKeyColumns, ChangeFeedSubscription feed, Action<TableUpdateStream>? closed = null)
    {
        Table = table;
        PrimaryKeyColumns = primaryKeyColumns;
        _feed = feed;
        _closed = closed;
    }

    /// <summary>The table's name as the schema spells it.</summary>
    public string Table { get; }

    /// <summary>The table's primary key columns, in the order of <see cref="TableUpdate.PrimaryKey"/>.</summary>
    public IReadOnlyList<string> PrimaryKeyColumns { get; }

    /// <summary>
    /// Reads notifications until the stream is disposed, the node begins to stop (the host's <c>ApplicationStopping</c>,
    /// or the node's disposal) or <paramref name="cancellationToken"/> fires. Disposal and stopping end the enumeration
    /// normally, after what was already buffered.
    /// </summary>
    public async IAsyncEnumerable<TableUpdate> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var reader = _feed.Reader;
        while (true)
        {
            try
            {
                if (!await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    yield break;
                }
            }
            catch (ChannelClosedException ex)
            {
                throw new TableUpdatesLaggedException(Table, ex);
            }

            while (reader.TryRead(out var committed))
            {
                if (!committed.ImpactedTables.Contains(Table))
                {
                    continue;
                }

                foreach (var update in UpdatesOf(committed.Changeset))
                {
                    yield return update;
                }
            }
        }
    }

    /// <summary>Stops the stream: <see cref="ReadAllAsync"/> ends once it has yielded what was already buffered.</summary>
    public void Dispose()
    {
        _feed.Dispose();
        _closed?.Invoke(this);
    }

    // One notification per primary key per commit; the row's highest causal length in the commit says whether it
    // ends deleted (even) or present (odd), as cr-sqlite counts it.
    private List<TableUpdate> UpdatesOf(Changeset changeset)
    {
        var order = new List<byte[]>();
        var causalLengths = new Dictionary<byte[], long>(ByteArrayComparer.Instance);
        foreach (var change in changeset.Changes)
        {
            if (!string.Equals(change.Table, Table, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (causalLengths.TryGetValue(change.Pk, out var cl))
            {
                causalLengths[change.Pk] = Math.Max(cl, change.Cl);
            }
            else
            {
                causalLengths[change.Pk] = change.Cl;
                order.Add(change.Pk);
            }
        }

        var updates = new List<TableUpdate>(order.Count);
        foreach (var pk in order)
        {
            var kind = causalLengths[pk] % 2 == 0 ? TableUpdateKind.Delete : TableUpdateKind.Update;
            updates.Add(new TableUpdate(kind, PackedPk.Unpack(pk)));
        }

        return updates;
    }

    private sealed class ByteArrayComparer : IEqualityComparer<byte[]>
    {
        public static readonly ByteArrayComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj)
        {
            var hash = default(HashCode);
            hash.AddBytes(obj);
            return hash.ToHashCode();
        }
    }
}

/// <summary>A table update reader fell too far behind and was cut off; open a new stream and re-read what it needs.</summary>
public sealed class TableUpdatesLaggedException : CorrosionException
{
    /// <summary>Creates the exception with the default message.</summary>
    public TableUpdatesLaggedException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public TableUpdatesLaggedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    public TableUpdatesLaggedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal TableUpdatesLaggedException(string table, ChannelClosedException innerException)
        : base($"updates reader for table '{table}' fell behind and was disconnected", innerException)
    {
    }
}

/// <summary>The table asked for is not a table of the schema.</summary>
public sealed class UnknownTableException : CorrosionException
{
    /// <summary>Creates the exception with the default message.</summary>
    public UnknownTableException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public UnknownTableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    public UnknownTableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
