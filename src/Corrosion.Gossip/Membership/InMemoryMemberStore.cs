namespace Corrosion.Gossip.Membership;

/// <summary>An <see cref="IMemberStore"/> kept in memory (tests, and nodes that need no persistence).</summary>
internal sealed class InMemoryMemberStore : IMemberStore
{
    private IReadOnlyList<MemberState> _members = [];
    private int _saves;

    /// <summary>How many times <see cref="SaveAsync"/> ran.</summary>
    public int Saves => Volatile.Read(ref _saves);

    public IReadOnlyList<MemberState> Members => Volatile.Read(ref _members);

    public Task SaveAsync(IReadOnlyList<MemberState> members, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(members);
        Volatile.Write(ref _members, [.. members]);
        Interlocked.Increment(ref _saves);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<MemberState>> LoadAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult(Volatile.Read(ref _members));
}
