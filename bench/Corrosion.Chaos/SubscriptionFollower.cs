using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Corrosion.Chaos;

/// <summary>
/// A client of <c>/v1/subscriptions</c> on one node, through that node's crashes and restarts: it keeps the query's
/// result from the events, resumes with <c>GET /v1/subscriptions/:id?from=N</c> after every broken stream, and checks
/// that change ids arrive one after the other. At the end its result must equal the node's.
/// </summary>
internal sealed class SubscriptionFollower(AgentNode node, HttpClient http)
{
    public const string Query = "SELECT id, title, completed_at FROM todos";

    private readonly Dictionary<long, string> _view = [];
    private readonly List<string> _anomalies = [];
    private Guid? _id;
    private long _lastChangeId;

    public AgentNode Node => node;

    /// <summary>Streams resumed with <c>?from=</c> after one ended or broke.</summary>
    public int Resumes { get; private set; }

    public long Changes => _lastChangeId;

    public IReadOnlyList<string> Anomalies => _anomalies;

    /// <summary>The rows as the events built them, sorted, one JSON array of cells each.</summary>
    public List<string> Rows()
    {
        lock (_view)
        {
            return [.. _view.Values.Order(StringComparer.Ordinal)];
        }
    }

    /// <summary>Follows until <paramref name="stop"/>; a broken stream is resumed once the node answers again.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using var request = _id is { } id
                    ? new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{node.ApiPort}/v1/subscriptions/{id}?from={_lastChangeId}")
                    : new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{node.ApiPort}/v1/subscriptions") { Content = JsonContent.Create(Query) };
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stop);
                if (response.StatusCode == HttpStatusCode.NotFound && _id is not null)
                {
                    _anomalies.Add($"{node.Name}: subscription {_id} unknown after a restart");
                    _id = null;
                    continue;
                }

                response.EnsureSuccessStatusCode();
                if (_id is null)
                {
                    _id = Guid.Parse(response.Headers.GetValues("corro-query-id").Single());
                }
                else
                {
                    Resumes++;
                }

                await using var body = await response.Content.ReadAsStreamAsync(stop);
                using var reader = new StreamReader(body);
                while (await reader.ReadLineAsync(stop) is { } line)
                {
                    Apply(line);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
            {
                // The node went away (killed, restarting); resume when it is back.
            }

            try
            {
                await Task.Delay(200, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void Apply(string line)
    {
        using var document = JsonDocument.Parse(line);
        var root = document.RootElement;
        lock (_view)
        {
            if (root.TryGetProperty("row", out var row))
            {
                _view[row[0].GetInt64()] = row[1].GetRawText();
            }
            else if (root.TryGetProperty("eoq", out var eoq) && eoq.TryGetProperty("change_id", out var changeId))
            {
                _lastChangeId = changeId.GetInt64();
            }
            else if (root.TryGetProperty("change", out var change))
            {
                var id = change[3].GetInt64();
                if (id != _lastChangeId + 1)
                {
                    _anomalies.Add($"{node.Name}: change id {id} after {_lastChangeId}");
                }

                _lastChangeId = id;
                if (change[0].GetString() == "delete")
                {
                    _view.Remove(change[1].GetInt64());
                }
                else
                {
                    _view[change[1].GetInt64()] = change[2].GetRawText();
                }
            }
            else if (root.TryGetProperty("error", out var error))
            {
                _anomalies.Add($"{node.Name}: error event: {error}");
            }
        }
    }
}
