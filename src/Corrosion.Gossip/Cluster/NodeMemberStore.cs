using System.Net;
using System.Text.Json;
using Corrosion.Gossip.Membership;

namespace Corrosion.Gossip.Cluster;

/// <summary>Persists SWIM members in the node's <c>__corro_members</c> table (state as JSON in <c>foca_state</c>).</summary>
internal sealed class NodeMemberStore(CorrosionNode node) : IMemberStore
{
    public Task SaveAsync(IReadOnlyList<MemberState> members, CancellationToken cancellationToken = default) =>
        node.SaveMembersAsync(
            [.. members.Select(m => (m.Id, m.Member.Address.ToString(), JsonSerializer.Serialize(new PersistedMember(
                m.Status.ToString(), m.Incarnation, m.Member.StartedAt.ToUnixTimeMilliseconds(), m.Member.ClusterId))))],
            cancellationToken);

    public async Task<IReadOnlyList<MemberState>> LoadAsync(CancellationToken cancellationToken = default)
    {
        var result = new List<MemberState>();
        foreach (var (actor, address, state) in await node.LoadMembersAsync(cancellationToken).ConfigureAwait(false))
        {
            // A row this build cannot read is skipped: the member is found again through gossip.
            if (!IPEndPoint.TryParse(address, out var endPoint))
            {
                continue;
            }

            PersistedMember? persisted;
            try
            {
                persisted = JsonSerializer.Deserialize<PersistedMember>(state);
            }
            catch (JsonException)
            {
                continue;
            }

            if (persisted is null || !Enum.TryParse<MemberStatus>(persisted.Status, out var status))
            {
                continue;
            }

            var member = new Member(actor, endPoint, DateTimeOffset.FromUnixTimeMilliseconds(persisted.StartedAtMs), persisted.ClusterId);
            result.Add(new MemberState(member, status, persisted.Incarnation));
        }

        return result;
    }

    private sealed record PersistedMember(string Status, uint Incarnation, long StartedAtMs, ushort ClusterId);
}
