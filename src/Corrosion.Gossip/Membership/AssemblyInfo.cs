using System.Runtime.CompilerServices;

// The membership tests reach the codec and the loop's quiescence counter (see SwimMembership.PendingEvents).
[assembly: InternalsVisibleTo("Corrosion.Gossip.Membership.Tests")]
