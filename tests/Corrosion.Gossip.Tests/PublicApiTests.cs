namespace Corrosion.Gossip.Tests;

public sealed class PublicApiTests
{
    [Fact]
    public void The_package_exports_only_its_options_the_cluster_service_and_certificate_tooling()
    {
        // The transports, SWIM, sync and the wire codecs are internal (the host and tests reach them through
        // InternalsVisibleTo): an app that installs the package sees only what it is meant to use.
        var exported = typeof(GossipOptions).Assembly.GetExportedTypes().Select(t => t.FullName).Order(StringComparer.Ordinal);

        exported.Should().Equal(
            "Corrosion.Gossip.Broadcast.BroadcastOptions",
            "Corrosion.Gossip.Cluster.ClusterService",
            "Corrosion.Gossip.GossipOptions",
            "Corrosion.Gossip.Membership.Member",
            "Corrosion.Gossip.Membership.MemberState",
            "Corrosion.Gossip.Membership.MemberStatus",
            "Corrosion.Gossip.Membership.MembershipSnapshot",
            "Corrosion.Gossip.Membership.SwimOptions",
            "Corrosion.Gossip.Membership.SwimStatistics",
            "Corrosion.Gossip.Tls.CertificateAuthority",
            "Corrosion.Gossip.Tls.CertificateFiles",
            "Corrosion.Gossip.Transport.AddressInUseException",
            "Corrosion.Gossip.Transport.GossipTlsClientOptions",
            "Corrosion.Gossip.Transport.GossipTlsOptions",
            "Corrosion.Gossip.Transport.GossipTransportOptions",
            "Microsoft.Extensions.DependencyInjection.GossipCorrosionBuilderExtensions");
    }
}
