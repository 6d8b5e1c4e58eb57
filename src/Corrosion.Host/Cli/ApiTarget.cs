using System.CommandLine;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using Corrosion.Host.Config;

namespace Corrosion.Host.Cli;

/// <summary>Where <c>exec</c>/<c>query</c> send requests: <c>--api-addr</c>, else the config's first <c>api.addr</c>; bearer token from the config.</summary>
internal sealed record ApiTarget(IPEndPoint Addr, string? BearerToken)
{
    public static bool TryResolve(CliContext context, ParseResult result, string command, [NotNullWhen(true)] out ApiTarget? target)
    {
        target = null;
        try
        {
            var config = context.LoadConfig(result).Config;
            var addr = config.Api.Addrs[0];
            if (addr.Port == 0)
            {
                context.Console.Fail(command, $"api.addr {addr} has no fixed port (the agent picks one when it starts); pass the agent's address with --api-addr");
                return false;
            }

            target = new ApiTarget(addr, config.Api.BearerToken);
            return true;
        }
        catch (ConfigException ex)
        {
            // As the original: with --api-addr the CLI needs no local config ("You don't need a local Corrosion
            // configuration file if you're only using Corrosion to interface with a remote node"), so a default
            // config that is unreadable or invalid (say, a node's, readable by its service user only) is passed
            // over, with no bearer token. A file named with -c is what the user asked for: its errors stand.
            if (result.GetValue(context.Global.ApiAddr) is { } apiAddr && result.GetValue(context.Global.Config) is null)
            {
                try
                {
                    target = new ApiTarget(ConfigParser.ParseOverride("--api-addr", apiAddr), null);
                    return true;
                }
                catch (ConfigException addrError)
                {
                    context.Console.Fail(command, addrError.Message);
                    return false;
                }
            }

            context.Console.Fail(command, ex.Message);
            return false;
        }
    }
}
