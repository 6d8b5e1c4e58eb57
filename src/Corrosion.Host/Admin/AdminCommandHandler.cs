using Corrosion.Gossip.Cluster;

namespace Corrosion.Host.Admin;

/// <summary>Answers admin requests from the node.</summary>
internal sealed class AdminCommandHandler
{
    private readonly ICorrosionNode _node;
    private readonly ClusterService? _cluster;

    public AdminCommandHandler(ICorrosionNode node, ClusterService? cluster = null)
    {
        _node = node;
        _cluster = cluster;
    }

    public async Task<AdminResponse> HandleAsync(string line, CancellationToken cancellationToken)
    {
        if (!AdminRequest.TryParse(line, out var request, out var parseError))
        {
            return AdminResponse.Error(parseError!);
        }

        try
        {
            switch (request!.Cmd)
            {
                case AdminCommands.Ping:
                    return AdminResponse.Ok(w => w.WriteStringValue("pong"));
                case AdminCommands.ActorId:
                    var actorId = _node.ActorId.ToString();
                    return AdminResponse.Ok(w => w.WriteStringValue(actorId));
                case AdminCommands.ClusterMembers:
                    var members = _cluster?.Members.Members ?? [];
                    return AdminResponse.Ok(w =>
                    {
                        w.WriteStartArray();
                        foreach (var member in members)
                        {
                            w.WriteStartObject();
                            w.WriteString("actor_id", member.Id.ToString());
                            w.WriteString("addr", member.Member.Address.ToString());
                            w.WriteString("state", member.Status.ToString().ToLowerInvariant());
                            w.WriteNumber("incarnation", member.Incarnation);
                            w.WriteEndObject();
                        }

                        w.WriteEndArray();
                    });
                case AdminCommands.SyncState:
                    var state = await _node.GetSyncStateAsync(cancellationToken);
                    return AdminResponse.Ok(w => AdminJson.WriteSyncState(w, state));
                case AdminCommands.Reload:
                    var applied = request.SchemaPaths is { } schemaPaths
                        ? await _node.ReloadSchemaAsync(schemaPaths, cancellationToken)
                        : await _node.ReloadSchemaAsync(cancellationToken);
                    return AdminResponse.Ok(w => AdminJson.WriteSchemaApply(w, applied));
                case AdminCommands.SubsList:
                    var subscriptions = _node.ListSubscriptions();
                    return AdminResponse.Ok(w => AdminJson.WriteSubscriptions(w, subscriptions));
                case AdminCommands.Locks:
                    var locks = _node.ListWriterLocks();
                    return AdminResponse.Ok(w =>
                    {
                        w.WriteStartArray();
                        foreach (var writerLock in locks)
                        {
                            w.WriteStartObject();
                            w.WriteString("label", writerLock.Label);
                            w.WriteString("state", writerLock.Held ? "locked" : "waiting");
                            w.WriteNumber("secs", Math.Round(writerLock.Duration.TotalSeconds, 6));
                            w.WriteEndObject();
                        }

                        w.WriteEndArray();
                    });
                default:
                    return AdminResponse.Error($"unknown command '{request.Cmd}' (known: {string.Join(", ", AdminCommands.All)})");
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            // The admin socket is a boundary: whatever the engine throws (a schema error on reload, an I/O error
            // reading schema files) becomes this request's error answer; the connection and the agent carry on.
            return AdminResponse.Error(ex.Message);
        }
    }
}
