using Corrosion.Storage;
using Corrosion.Subscriptions;

namespace Corrosion.Core.Tests.Subscriptions;

/// <summary>What an app sees when it logs an event (<c>logger.LogInformation("{Event}", e)</c>) or prints it.</summary>
public sealed class SubscriptionEventTests
{
    [Fact]
    public void Events_print_their_column_names_and_cells_rather_than_the_list_type()
    {
        new SubscriptionEvent.Columns(["id", "title"]).ToString().Should().Be("Columns { Names = [id, title] }");
        new SubscriptionEvent.Row(1, [SqlValue.FromInteger(7), SqlValue.Null]).ToString().Should().Be("Row { RowId = 1, Cells = [7, NULL] }");
        new SubscriptionEvent.Change(ChangeKind.Update, 3, [SqlValue.FromInteger(2), SqlValue.FromText("two"), SqlValue.FromReal(0.5)], 9).ToString()
            .Should().Be("Change { Kind = Update, RowId = 3, Cells = [2, two, 0.5], ChangeId = 9 }");
        new SubscriptionEvent.Error("fell behind").ToString().Should().Be("Error { Message = fell behind }");
    }
}
