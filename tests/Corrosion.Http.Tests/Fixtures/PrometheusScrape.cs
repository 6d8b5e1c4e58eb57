using System.Globalization;
using System.Text;

namespace Corrosion.Http.Tests.Fixtures;

/// <summary>
/// A Prometheus text exposition parsed strictly: every line is a comment (<c># HELP</c>/<c># TYPE</c>) or a sample
/// <c>name{labels} value</c>; anything else fails the test. Label values are unescaped.
/// </summary>
public sealed class PrometheusScrape
{
    private readonly List<Sample> _samples = [];
    private readonly Dictionary<string, string> _types = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _help = new(StringComparer.Ordinal);

    private PrometheusScrape(string text)
    {
        Text = text;
    }

    public string Text { get; }

    public IReadOnlyList<Sample> Samples => _samples;

    public IReadOnlyDictionary<string, string> Types => _types;

    public IReadOnlyDictionary<string, string> Help => _help;

    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
    {
        public bool Has(params (string Name, string Value)[] labels) =>
            labels.All(l => Labels.TryGetValue(l.Name, out var v) && v == l.Value);
    }

    public static async Task<PrometheusScrape> GetAsync(HttpClient client, string path = "/metrics")
    {
        using var response = await client.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).Should().Be(200, text);
        response.Content.Headers.ContentType!.ToString().Should().Be("text/plain; version=0.0.4; charset=utf-8");
        return Parse(text);
    }

    public static PrometheusScrape Parse(string text)
    {
        var scrape = new PrometheusScrape(text);
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0)
            {
                continue;
            }

            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line[7..].Split(' ');
                parts.Should().HaveCount(2, $"a TYPE line is '# TYPE name type': {line}");
                scrape._types.ContainsKey(parts[0]).Should().BeFalse($"{parts[0]} has one TYPE line");
                scrape._types[parts[0]] = parts[1];
                continue;
            }

            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                var rest = line[7..];
                var space = rest.IndexOf(' ', StringComparison.Ordinal);
                scrape._help[rest[..space]] = rest[(space + 1)..];
                continue;
            }

            line.Should().NotStartWith("#", "only HELP and TYPE comments are written");
            scrape._samples.Add(ParseSample(line));
        }

        return scrape;
    }

    private static Sample ParseSample(string line)
    {
        var i = 0;
        while (i < line.Length && line[i] is not '{' and not ' ')
        {
            i++;
        }

        var name = line[..i];
        name.Should().MatchRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*$", $"a metric name: {line}");
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (line[i] == '{')
        {
            i++;
            while (line[i] != '}')
            {
                var eq = line.IndexOf('=', i);
                var label = line[i..eq];
                label.Should().MatchRegex("^[a-zA-Z_][a-zA-Z0-9_]*$", $"a label name: {line}");
                line[eq + 1].Should().Be('"', line);
                i = eq + 2;
                var value = new StringBuilder();
                while (line[i] != '"')
                {
                    if (line[i] == '\\')
                    {
                        i++;
                        value.Append(line[i] switch
                        {
                            'n' => '\n',
                            '\\' => '\\',
                            '"' => '"',
                            var other => throw new FormatException($"bad escape \\{other} in {line}"),
                        });
                    }
                    else
                    {
                        value.Append(line[i]);
                    }

                    i++;
                }

                labels[label] = value.ToString();
                i++;
                if (line[i] == ',')
                {
                    i++;
                }
            }

            i++;
        }

        line[i].Should().Be(' ', line);
        var number = line[(i + 1)..];
        var parsed = number switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            "NaN" => double.NaN,
            _ => double.Parse(number, NumberStyles.Float, CultureInfo.InvariantCulture),
        };
        return new Sample(name, labels, parsed);
    }

    /// <summary>The samples of a metric (all label sets).</summary>
    public IEnumerable<Sample> Of(string name) => _samples.Where(s => s.Name == name);

    /// <summary>The one sample of <paramref name="name"/> with these labels (others ignored), or null.</summary>
    public double? Value(string name, params (string Name, string Value)[] labels)
    {
        var matches = Of(name).Where(s => s.Has(labels)).ToList();
        matches.Count.Should().BeLessThanOrEqualTo(1, $"one series of {name} matches {string.Join(',', labels)}:\n{Text}");
        return matches.Count == 0 ? null : matches[0].Value;
    }

    /// <summary>The sum over all series of a metric (0 when it has none yet).</summary>
    public double Sum(string name, params (string Name, string Value)[] labels) => Of(name).Where(s => s.Has(labels)).Sum(s => s.Value);
}
