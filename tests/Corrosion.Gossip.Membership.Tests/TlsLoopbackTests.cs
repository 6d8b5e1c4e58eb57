using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Corrosion.Gossip.Protocol;
using Corrosion.Gossip.Tls;
using Corrosion.Gossip.Transport;
using Corrosion.Gossip.Transport.Tcp;
using Corrosion.TestKit;
using Microsoft.Extensions.Logging.Abstractions;

namespace Corrosion.Gossip.Membership.Tests;

/// <summary>
/// SWIM over the real tcp+udp transport with <c>[gossip.tls]</c>, on loopback in real time: membership traffic rides TLS,
/// so forged datagrams are ignored and a peer without a client certificate cannot speak under mutual TLS.
/// </summary>
public sealed class TlsLoopbackTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly TempDirectory _directory = new("corrosion-swim-tls");
    private readonly List<SwimMembership> _members = [];
    private readonly List<IPeerTransport> _transports = [];
    private CertificateFiles _ca = null!;
    private CertificateFiles _server = null!;
    private CertificateFiles _client = null!;

    public Task InitializeAsync()
    {
        var authority = new CertificateAuthority();
        _ca = authority.GenerateCa(_directory.Combine("ca"), "swim CA");
        _server = authority.GenerateServer(_directory.Combine("server"), IPAddress.Loopback, _ca.CertificatePath, _ca.KeyPath);
        _client = authority.GenerateClient(_directory.Combine("client"), _ca.CertificatePath, _ca.KeyPath);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var membership in _members)
        {
            await membership.DisposeAsync();
        }

        foreach (var transport in _transports)
        {
            await transport.DisposeAsync();
        }

        _directory.Dispose();
    }

    [Fact]
    public async Task With_tls_forged_udp_datagrams_to_the_gossip_port_do_not_change_membership()
    {
        var a = await StartAsync(mutual: false);
        var b = await StartAsync(mutual: false, bootstrap: a);
        await UntilAllAliveAsync([a, b], "a and b joined over tls");
        var bBefore = State(a, b);

        using var raw = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        var forgedX = ForgedJoin(out var x);
        var forgedBDown = ForgedDown(b.Self, bBefore.Incarnation);
        foreach (var forged in new[] { forgedX, forgedBDown })
        {
            // As plain SWIM bytes, and sealed the way the earlier design accepted (key derived from the public CA certificate).
            await raw.SendToAsync(forged, SocketFlags.None, a.Self.Address);
            await raw.SendToAsync(SealWithCaDerivedKey(forged), SocketFlags.None, a.Self.Address);
        }

        // Control: a genuine member joining over TLS afterwards is seen, so a's receive path was running all along.
        var c = await StartAsync(mutual: false, bootstrap: a);
        await UntilAllAliveAsync([a, b, c], "c joined over tls after the forgeries were sent");

        a.Current.TryGet(x, out _).Should().BeFalse("the forged join came by raw UDP");
        State(a, b).Should().BeEquivalentTo(new { Status = MemberStatus.Alive, bBefore.Incarnation }, "the forged 'b is down' came by raw UDP (b never had to refute)");
        b.Statistics.MalformedDropped.Should().Be(0);
    }

    [Fact]
    public async Task With_mutual_tls_a_peer_without_a_client_certificate_cannot_inject_membership_messages()
    {
        var a = await StartAsync(mutual: true);
        var b = await StartAsync(mutual: true, bootstrap: a);
        await UntilAllAliveAsync([a, b], "a and b joined over mutual tls");
        var bBefore = State(a, b);

        // Trusts the CA and passes server verification, but has no client certificate.
        await using var intruder = Bind(mutual: false);
        await intruder.SendDatagramAsync(a.Self.Address, ForgedJoin(out var x));
        await intruder.SendDatagramAsync(a.Self.Address, ForgedDown(b.Self, bBefore.Incarnation));
        var aTransport = Transport(a);
        await Eventually.UntilAsync(() => aTransport.FailedHandshakes >= 1, Timeout, "a refused the intruder's datagram connection");

        var c = await StartAsync(mutual: true, bootstrap: a);
        await UntilAllAliveAsync([a, b, c], "c joined over mutual tls after the intruder tried");

        a.Current.TryGet(x, out _).Should().BeFalse("the intruder has no client certificate");
        State(a, b).Should().BeEquivalentTo(new { Status = MemberStatus.Alive, bBefore.Incarnation }, "the forged 'b is down' never reached a");
    }

    [Fact]
    public async Task With_server_only_tls_any_peer_that_trusts_the_ca_can_still_speak_which_is_what_mutual_tls_is_for()
    {
        // The counterpart of the mutual-TLS test: the same intruder, without [gossip.tls.client] on a, gets through.
        var a = await StartAsync(mutual: false);
        await using var intruder = Bind(mutual: false);
        await intruder.SendDatagramAsync(a.Self.Address, ForgedJoin(out var x));

        await Eventually.UntilAsync(() => a.Current.TryGet(x, out _), Timeout, "the forged join accepted over server-only tls");
    }

    [Fact]
    public async Task Tls_members_see_a_killed_member_down_and_its_restart_alive()
    {
        var a = await StartAsync(mutual: true);
        var b = await StartAsync(mutual: true, bootstrap: a);
        var c = await StartAsync(mutual: true, bootstrap: a);
        await UntilAllAliveAsync([a, b, c], "three members joined over mutual tls");

        // Kill c: its transport goes first, so no Leave gets out.
        var port = c.Self.Address.Port;
        await Kill(c);
        await Eventually.UntilAsync(
            () => new[] { a, b }.All(m => m.Current.TryGet(c.Self.Id, out var s) && s.Status == MemberStatus.Down),
            Timeout,
            "the killed member seen down by a and b");

        var restarted = await StartAsync(mutual: true, bootstrap: a, port: port, actorId: c.Self.Id);
        await Eventually.UntilAsync(
            () => new[] { a, b }.All(m => m.Current.TryGet(c.Self.Id, out var s) && s.Status == MemberStatus.Alive && s.Member.IsSameRunAs(restarted.Self)),
            Timeout,
            "the restarted member seen alive by a and b");
    }

    [Fact]
    public async Task A_member_that_stalls_the_tls_handshake_does_not_stall_probing_of_the_others()
    {
        var a = await StartAsync(mutual: true);
        var b = await StartAsync(mutual: true, bootstrap: a);
        var d = await StartAsync(mutual: true, bootstrap: a);
        await UntilAllAliveAsync([a, b, d], "three members joined over mutual tls");
        var bBefore = State(a, b);

        // d dies and something takes its port that accepts TCP connections but never answers a TLS handshake: every
        // datagram a sends to d waits behind a handshake that only times out.
        var address = d.Self.Address;
        await Kill(d);
        using var stalled = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        stalled.Bind(address);
        stalled.Listen(64);
        var stalledConnection = stalled.AcceptAsync();

        await Eventually.UntilAsync(
            () => a.Current.TryGet(d.Self.Id, out var s) && s.Status == MemberStatus.Down,
            Timeout,
            "the stalled member declared down by a");
        State(a, b).Should().BeEquivalentTo(new { Status = MemberStatus.Alive, bBefore.Incarnation }, "probing b went on (b was never suspected, so never refuted)");
        a.Statistics.SendFailures.Should().Be(0, "sends to the stalled member return at once; the datagrams are just lost");
        await Eventually.UntilAsync(() => stalledConnection.IsCompleted, Timeout, "a tried to reach the stalled member (the stall was exercised)");
        using var connection = await stalledConnection;
    }

    private TcpUdpPeerTransport Transport(SwimMembership member) => (TcpUdpPeerTransport)_transports[_members.IndexOf(member)];

    private static MemberState State(SwimMembership observer, SwimMembership member) =>
        observer.Current.TryGet(member.Self.Id, out var state) ? state : throw new InvalidOperationException($"{observer.Self} does not know {member.Self}");

    private static Task UntilAllAliveAsync(IReadOnlyList<SwimMembership> members, string what) =>
        Eventually.UntilAsync(
            () => members.All(m => members.Where(o => o != m).All(o => m.Current.TryGet(o.Self.Id, out var s) && s.Status == MemberStatus.Alive)),
            Timeout,
            what);

    private static byte[] ForgedJoin(out ActorId forged)
    {
        forged = ActorId.NewRandom();
        var member = new Member(forged, new IPEndPoint(IPAddress.Parse("10.66.66.66"), 4001), DateTimeOffset.UtcNow);
        return SwimCodec.Encode(new SwimMessage(SwimMessageKind.Announce, 0, member, 0, 0, null, []));
    }

    private static byte[] ForgedDown(Member victim, uint incarnation)
    {
        var sender = new Member(ActorId.NewRandom(), new IPEndPoint(IPAddress.Parse("10.66.66.67"), 4001), DateTimeOffset.UtcNow);
        return SwimCodec.Encode(new SwimMessage(SwimMessageKind.Gossip, 0, sender, 0, 0, null, [new MemberState(victim, MemberStatus.Down, incarnation + 5)]));
    }

    /// <summary>The earlier datagram seal: HMAC-SHA256 under a key derived from the CA certificate, which anyone can read.</summary>
    private byte[] SealWithCaDerivedKey(byte[] payload)
    {
        using var ca = X509Certificate2.CreateFromPem(File.ReadAllText(_ca.CertificatePath));
        var key = HKDF.DeriveKey(
            HashAlgorithmName.SHA256,
            ca.PublicKey.ExportSubjectPublicKeyInfo(),
            32,
            Encoding.ASCII.GetBytes("corrosion gossip datagram"),
            Encoding.ASCII.GetBytes("hmac-sha256 v1"));
        var sealedBytes = new byte[10 + payload.Length + 16];
        sealedBytes[0] = 0xC7;
        sealedBytes[1] = 1;
        BinaryPrimitives.WriteInt64BigEndian(sealedBytes.AsSpan(2), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        payload.CopyTo(sealedBytes.AsSpan(10));
        HMACSHA256.HashData(key, sealedBytes.AsSpan(0, 10 + payload.Length)).AsSpan(0, 16).CopyTo(sealedBytes.AsSpan(10 + payload.Length));
        return sealedBytes;
    }

    private TcpUdpPeerTransport Bind(bool mutual, int port = 0) =>
        TcpUdpPeerTransport.Bind(new GossipTransportOptions
        {
            Addr = $"127.0.0.1:{port}",
            Tls = new GossipTlsOptions
            {
                CertFile = _server.CertificatePath,
                KeyFile = _server.KeyPath,
                CaFile = _ca.CertificatePath,
                Client = mutual ? new GossipTlsClientOptions { CertFile = _client.CertificatePath, KeyFile = _client.KeyPath } : null,
            },
        });

    private async Task<SwimMembership> StartAsync(bool mutual, SwimMembership? bootstrap = null, int port = 0, ActorId? actorId = null)
    {
        var transport = Bind(mutual, port);
        _transports.Add(transport);
        var options = new SwimOptions
        {
            ProbePeriod = TimeSpan.FromMilliseconds(300),
            ProbeRtt = TimeSpan.FromMilliseconds(150),
            GossipPeriod = TimeSpan.FromMilliseconds(50),
            AnnounceBackoffInitial = TimeSpan.FromMilliseconds(100),
            AnnounceBackoffMax = TimeSpan.FromSeconds(1),
        };
        if (bootstrap is not null)
        {
            options.Bootstrap.Add(bootstrap.Self.Address);
        }

        var membership = new SwimMembership(transport, options, actorId ?? ActorId.NewRandom(), TimeProvider.System, new Random(_members.Count), NullLogger<SwimMembership>.Instance);
        _members.Add(membership);
        await membership.StartAsync();
        return membership;
    }

    private async Task Kill(SwimMembership member)
    {
        var index = _members.IndexOf(member);
        var transport = _transports[index];
        _members.RemoveAt(index);
        _transports.RemoveAt(index);
        await transport.DisposeAsync();
        await member.DisposeAsync();
    }
}
