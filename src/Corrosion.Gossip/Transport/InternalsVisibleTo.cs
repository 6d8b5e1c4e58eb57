using System.Runtime.CompilerServices;

// Kept beside the transport so this branch does not edit the shared project file; move into
// Corrosion.Gossip.csproj (<InternalsVisibleTo Include="..." />) when convenient.
[assembly: InternalsVisibleTo("Corrosion.Gossip.Tests")]
[assembly: InternalsVisibleTo("Corrosion.Cluster.Tests")]
