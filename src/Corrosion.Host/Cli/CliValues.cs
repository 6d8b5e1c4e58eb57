using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Corrosion.Host.Cli;

/// <summary>
/// Parsers and validators for command-line values whose default errors would be unclear: a number that does not parse
/// (System.CommandLine names the .NET type), and an unknown option taken as the SQL argument.
/// </summary>
internal static class CliValues
{
    /// <summary>An option holding a whole number of seconds (0 or more), refused with a message naming it.</summary>
    /// <param name="name">The option's name, with its dashes.</param>
    /// <param name="description">The help text.</param>
    public static Option<ulong?> Seconds(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "SECONDS",
        CustomParser = result => ParseWhole(result, name, "a whole number of seconds (0 or more)"),
    };

    /// <summary>An option holding a count (0 or more), refused with a message naming it.</summary>
    /// <param name="name">The option's name, with its dashes.</param>
    /// <param name="description">The help text.</param>
    /// <param name="defaultValue">The value when the option is not given.</param>
    public static Option<int> Count(string name, string description, int defaultValue) => new(name)
    {
        Description = description,
        HelpName = "N",
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result => (int)Math.Min(ParseWhole(result, name, "a whole number (0 or more)") ?? (ulong)defaultValue, int.MaxValue),
    };

    /// <summary>
    /// Refuses a value that looks like an option (<c>-x</c>, <c>--colums</c>): System.CommandLine takes an unknown
    /// option as the argument's value, which would send <c>--colums</c> as the SQL and report the real SQL as an
    /// unrecognized argument. SQL can start with a comment (<c>--note</c>), but then a line break follows before any
    /// statement: a value with whitespace in it is never taken for an option, so nothing valid is refused.
    /// </summary>
    /// <param name="argument">The SQL argument.</param>
    public static void RefuseOptionLikeValues(Argument<string> argument) => argument.Validators.Add(result =>
    {
        foreach (var token in result.Tokens)
        {
            var value = token.Value;
            var start = value.StartsWith("--", StringComparison.Ordinal) ? 2 : value.StartsWith('-') ? 1 : 0;
            if (start > 0 && value.Length > start && char.IsAsciiLetter(value[start]) && !value.Any(char.IsWhiteSpace))
            {
                result.AddError($"unknown option '{value}' (the {argument.Name} argument cannot start with it; see --help for the options)");
            }
        }
    });

    private static ulong? ParseWhole(ArgumentResult result, string name, string expected)
    {
        if (result.Tokens.Count == 0)
        {
            result.AddError($"{name}: a value is required: {expected}");
            return null;
        }

        var text = result.Tokens[0].Value;
        if (ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        result.AddError($"{name}: '{text}' is not {expected}");
        return null;
    }
}
