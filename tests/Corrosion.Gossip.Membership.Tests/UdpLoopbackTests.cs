using Corrosion.Gossip.Transport;
using Corrosion.Gossip.Transport.Tcp;
using Corrosion.TestKit;
using Microsoft.Extensions.Logging.Abstractions;

namespace Corrosion.Gossip.Membership.Tests;

/// <summary>SWIM over the real tcp+udp transport on loopback, in real time (short periods).</summary>
public sealed class UdpLoopbackTests
{
    [Fact]
    public async Task Three_members_join_over_udp_and_a_stopped_one_is_seen_as_left()
    {
        var transports = new List<IPeerTransport>();
        var members = new List<SwimMembership>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var transport = TcpUdpPeerTransport.Bind(new GossipTransportOptions { Addr = "127.0.0.1:0", Plaintext = true });
                transports.Add(transport);
                var options = new SwimOptions
                {
                    ProbePeriod = TimeSpan.FromMilliseconds(200),
                    ProbeRtt = TimeSpan.FromMilliseconds(100),
                    GossipPeriod = TimeSpan.FromMilliseconds(50),
                    AnnounceBackoffInitial = TimeSpan.FromMilliseconds(100),
                    AnnounceBackoffMax = TimeSpan.FromSeconds(1),
                };
                if (i > 0)
                {
                    options.Bootstrap.Add(transports[0].LocalEndPoint);
                }

                var membership = new SwimMembership(transport, options, ActorId.NewRandom(), TimeProvider.System, new Random(i), NullLogger<SwimMembership>.Instance);
                members.Add(membership);
                await membership.StartAsync();
            }

            await Eventually.UntilAsync(
                () => members.All(m => m.Current.Members.Count(s => s.Status == MemberStatus.Alive) == 2),
                TimeSpan.FromSeconds(20),
                "three members alive everywhere over udp");

            await members[2].StopAsync();
            await Eventually.UntilAsync(
                () => members.Take(2).All(m => m.Current.TryGet(members[2].Self.Id, out var s) && s.Status == MemberStatus.Left),
                TimeSpan.FromSeconds(10),
                "the stopped member seen as left");
            members.Should().OnlyContain(m => m.Statistics.MalformedDropped == 0 && m.Statistics.SendFailures == 0 && m.Statistics.HandlerErrors == 0);
        }
        finally
        {
            foreach (var membership in members)
            {
                await membership.DisposeAsync();
            }

            foreach (var transport in transports)
            {
                await transport.DisposeAsync();
            }
        }
    }
}
