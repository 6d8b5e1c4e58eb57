using System.IO.Pipelines;
using System.Net.Security;
using System.Security.Cryptography;
using Corrosion.Storage;
using Microsoft.Extensions.Logging;

namespace Corrosion.Http.PgWire;

/// <summary>
/// One client connection: the startup handshake (SSLRequest, GSSENCRequest, CancelRequest, StartupMessage), then
/// simple and extended query messages until Terminate or end of stream.
/// </summary>
/// <remarks>
/// <para>Reads go through <see cref="ICorrosionNode.QueryAsync"/> on a read-only connection; writes through
/// <see cref="ICorrosionNode.ExecuteAsync"/>, so they become CRDT changes and are replicated.</para>
/// <para>Transactions: statements that write inside <c>BEGIN</c> ... <c>COMMIT</c> are buffered and run as one node
/// transaction at <c>COMMIT</c>; each is acknowledged with a row count of 0 when it is received, and a failure
/// surfaces at <c>COMMIT</c> (nothing is committed). Reads inside the block see committed data only. Outside a
/// block, consecutive writes of one multi-statement simple query run as one transaction (PostgreSQL's implicit
/// transaction); every extended-protocol Execute of a write commits on its own.</para>
/// </remarks>
internal sealed class PgConnection
{
    private const int FlushThreshold = 64 * 1024;

    private readonly ICorrosionNode _node;
    private readonly PgWireOptions _options;
    private readonly PgWireTls? _tls;
    private readonly ILogger _logger;
    private readonly int _id;
    private readonly List<(Statement Statement, string Sql)> _transaction = [];
    private readonly Dictionary<string, PreparedStatement> _statements = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Portal> _portals = new(StringComparer.Ordinal);
    private PgMessageWriter _out = null!;
    private TransactionState _state = TransactionState.Idle;
    private bool _skipUntilSync;

    public PgConnection(int id, ICorrosionNode node, PgWireOptions options, PgWireTls? tls, ILogger logger)
    {
        _id = id;
        _node = node;
        _options = options;
        _tls = tls;
        _logger = logger;
    }

    private enum TransactionState
    {
        Idle,
        InBlock,
        Failed,
    }

    private char Status => _state switch
    {
        TransactionState.InBlock => 'T',
        TransactionState.Failed => 'E',
        _ => 'I',
    };

    /// <summary>Serves the connection until the client leaves, a protocol violation, or <paramref name="cancellationToken"/>.</summary>
    public async Task RunAsync(Stream stream, CancellationToken cancellationToken)
    {
        var transport = stream;
        SslStream? ssl = null;
        var reader = PipeReader.Create(transport, new StreamPipeReaderOptions(leaveOpen: true));
        var writer = PipeWriter.Create(transport, new StreamPipeWriterOptions(leaveOpen: true));
        _out = new PgMessageWriter(writer);
        try
        {
            StartupPacket startup;
            while (true)
            {
                StartupPacket? packet;
                try
                {
                    packet = await ReadStartupAsync(reader, cancellationToken).ConfigureAwait(false);
                }
                catch (PgProtocolException ex)
                {
                    await FatalAsync(ex.Message, cancellationToken).ConfigureAwait(false);
                    return;
                }

                if (packet is not { } p)
                {
                    return;
                }

                if (p.Code == PgProtocol.SslRequestCode && _tls is not null && ssl is null)
                {
                    _out.WriteRawByte((byte)'S');
                    await _out.FlushAsync(cancellationToken).ConfigureAwait(false);
                    await reader.CompleteAsync().ConfigureAwait(false);
                    await writer.CompleteAsync().ConfigureAwait(false);
                    ssl = await _tls.AuthenticateAsync(stream, _id, _logger, cancellationToken).ConfigureAwait(false);
                    if (ssl is null)
                    {
                        return;
                    }

                    transport = ssl;
                    reader = PipeReader.Create(transport, new StreamPipeReaderOptions(leaveOpen: true));
                    writer = PipeWriter.Create(transport, new StreamPipeWriterOptions(leaveOpen: true));
                    _out = new PgMessageWriter(writer);
                    continue;
                }

                if (p.Code is PgProtocol.SslRequestCode or PgProtocol.GssEncRequestCode)
                {
                    _out.WriteRawByte((byte)'N');
                    await _out.FlushAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }

                if (p.Code == PgProtocol.CancelRequestCode)
                {
                    // Queries are not cancellable by key here; PostgreSQL closes without an answer too.
                    return;
                }

                if (p.Code >> 16 != 3)
                {
                    await FatalAsync($"unsupported frontend protocol {p.Code >> 16}.{p.Code & 0xffff}: server supports 3.0", cancellationToken, PgSqlState.FeatureNotSupported).ConfigureAwait(false);
                    return;
                }

                startup = p;
                break;
            }

            if (_tls?.Required == true && ssl is null)
            {
                await FatalAsync("this server requires TLS (SSLRequest) because api.pg.tls.verify_client is set", cancellationToken, "28000").ConfigureAwait(false);
                return;
            }

            WriteStartupResponse(startup);
            await _out.FlushAsync(cancellationToken).ConfigureAwait(false);
            await MessageLoopAsync(reader, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (var portal in _portals.Values)
            {
                await portal.DisposeAsync().ConfigureAwait(false);
            }

            _portals.Clear();
            await reader.CompleteAsync().ConfigureAwait(false);
            try
            {
                await writer.CompleteAsync().ConfigureAwait(false);
            }
            catch (IOException)
            {
                // The client is gone; what was not sent does not matter.
            }

            if (ssl is not null)
            {
                await ssl.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task<StartupPacket?> ReadStartupAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (PgProtocol.TryReadStartup(ref buffer, out var packet))
            {
                var leftover = buffer.Length;
                reader.AdvanceTo(buffer.Start);
                if (leftover != 0 && packet.Code == PgProtocol.SslRequestCode)
                {
                    throw new PgProtocolException("data was sent after SSLRequest before the server answered");
                }

                return packet;
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                return null;
            }
        }
    }

    private void WriteStartupResponse(StartupPacket startup)
    {
        _out.AuthenticationOk();
        _out.ParameterStatus("server_version", PgCatalog.ServerVersion);
        _out.ParameterStatus("server_encoding", "UTF8");
        _out.ParameterStatus("client_encoding", "UTF8");
        _out.ParameterStatus("DateStyle", "ISO, MDY");
        _out.ParameterStatus("IntervalStyle", "postgres");
        _out.ParameterStatus("integer_datetimes", "on");
        _out.ParameterStatus("standard_conforming_strings", "on");
        _out.ParameterStatus("TimeZone", "UTC");
        _out.ParameterStatus("is_superuser", "off");
        _out.ParameterStatus("application_name", startup.Parameters.GetValueOrDefault("application_name", string.Empty));
        if (startup.Parameters.TryGetValue("user", out var user))
        {
            _out.ParameterStatus("session_authorization", user);
        }

        _out.BackendKeyData(_id, RandomNumberGenerator.GetInt32(int.MaxValue));
        _out.ReadyForQuery(Status);
    }

    private async Task FatalAsync(string message, CancellationToken cancellationToken, string sqlState = PgSqlState.ProtocolViolation)
    {
        Log.PgProtocolViolation(_logger, _id, message);
        _out.ErrorResponse("FATAL", sqlState, message);
        await _out.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task MessageLoopAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            try
            {
                while (PgProtocol.TryReadMessage(ref buffer, out var message))
                {
                    if (!await HandleAsync(message, cancellationToken).ConfigureAwait(false))
                    {
                        return;
                    }
                }
            }
            catch (PgProtocolException ex)
            {
                await FatalAsync(ex.Message, cancellationToken).ConfigureAwait(false);
                return;
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                if (!buffer.IsEmpty)
                {
                    Log.PgProtocolViolation(_logger, _id, $"the stream ended inside a message ({buffer.Length} byte(s) left)");
                }

                return;
            }
        }
    }

    /// <summary>Handles one message; false ends the connection.</summary>
    private async Task<bool> HandleAsync(FrontendMessage message, CancellationToken cancellationToken)
    {
        switch (message)
        {
            case TerminateMessage:
                return false;
            case QueryMessage query:
                _skipUntilSync = false;
                await SimpleQueryAsync(query.Sql, cancellationToken).ConfigureAwait(false);
                _out.ReadyForQuery(Status);
                await _out.FlushAsync(cancellationToken).ConfigureAwait(false);
                return true;
            case SyncMessage:
                _skipUntilSync = false;
                if (_state == TransactionState.Idle)
                {
                    await ClosePortalsAsync().ConfigureAwait(false);
                }

                _out.ReadyForQuery(Status);
                await _out.FlushAsync(cancellationToken).ConfigureAwait(false);
                return true;
            case FlushMessage:
                await _out.FlushAsync(cancellationToken).ConfigureAwait(false);
                return true;
        }

        if (_skipUntilSync)
        {
            // After an error the extended protocol discards messages until Sync.
            return true;
        }

        try
        {
            switch (message)
            {
                case ParseMessage parse:
                    await ParseAsync(parse, cancellationToken).ConfigureAwait(false);
                    break;
                case BindMessage bind:
                    await BindAsync(bind).ConfigureAwait(false);
                    break;
                case DescribeMessage describe:
                    await DescribeAsync(describe, cancellationToken).ConfigureAwait(false);
                    break;
                case ExecuteMessage execute:
                    await ExecuteAsync(execute, cancellationToken).ConfigureAwait(false);
                    break;
                case CloseMessage close:
                    await CloseAsync(close).ConfigureAwait(false);
                    break;
            }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not IOException)
        {
            WriteError(ex);
            _skipUntilSync = true;
        }

        if (_out.Unflushed > FlushThreshold)
        {
            await _out.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    private void WriteError(Exception ex)
    {
        var (sqlState, reason) = ex switch
        {
            PgException pg => (pg.SqlState, pg.Message),
            StatementException statement => (PgSqlState.FromSqliteMessage(ReasonOf(statement)), ReasonOf(statement)),
            OperationCanceledException => (PgSqlState.QueryCanceled, "canceling statement"),
            _ => (PgSqlState.InternalError, $"internal error: {ex.Message}"),
        };

        Log.PgStatementFailed(_logger, _id, sqlState, reason);
        if (_state == TransactionState.InBlock)
        {
            _state = TransactionState.Failed;
        }

        _out.ErrorResponse("ERROR", sqlState, reason);
    }

    private static string ReasonOf(StatementException ex) => string.IsNullOrEmpty(ex.Reason) ? ex.Message : ex.Reason;

    // ---- simple query ----

    private async Task SimpleQueryAsync(string sql, CancellationToken cancellationToken)
    {
        Log.PgQueryReceived(_logger, _id, sql);
        var statements = PgSqlText.Split(sql);
        if (statements.Count == 0)
        {
            _out.EmptyQueryResponse();
            return;
        }

        // Writes of a multi-statement query outside a block share one implicit transaction.
        var pending = new List<(Statement Statement, string Sql)>();
        try
        {
            foreach (var text in statements)
            {
                var kind = PgSqlText.Classify(text);
                ThrowIfFailedBlock(kind);
                switch (kind)
                {
                    case PgStatementKind.Empty:
                        break;
                    case PgStatementKind.Begin or PgStatementKind.Commit or PgStatementKind.Rollback or PgStatementKind.Ignored:
                        await CommitPendingAsync(pending, cancellationToken).ConfigureAwait(false);
                        await TransactionControlAsync(kind, text, cancellationToken).ConfigureAwait(false);
                        break;
                    case PgStatementKind.Catalog:
                        await CommitPendingAsync(pending, cancellationToken).ConfigureAwait(false);
                        await WriteResultSetAsync(PgCatalog.Answer(text), describe: true, [], cancellationToken).ConfigureAwait(false);
                        break;
                    case PgStatementKind.UnsupportedCatalog:
                        throw PgCatalog.UnsupportedCatalogQuery();
                    default:
                        var sqlite = PgSqlText.RewritePlaceholders(text, out var placeholders);
                        if (placeholders > 0)
                        {
                            throw new PgException("42P02", $"there is no parameter ${placeholders}: a simple query carries no parameters");
                        }

                        var description = await DescribeSqlAsync(sqlite, cancellationToken).ConfigureAwait(false);
                        if (description.IsReadOnly)
                        {
                            await CommitPendingAsync(pending, cancellationToken).ConfigureAwait(false);
                            await RunQueryAsync(new Statement(sqlite), cancellationToken).ConfigureAwait(false);
                        }
                        else
                        {
                            ThrowIfReadOnly(text);
                            if (_state == TransactionState.InBlock)
                            {
                                _transaction.Add((new Statement(sqlite), text));
                                _out.CommandComplete(PgSqlText.CommandTag(text, 0));
                            }
                            else
                            {
                                pending.Add((new Statement(sqlite), text));
                            }
                        }

                        break;
                }
            }

            await CommitPendingAsync(pending, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not IOException)
        {
            WriteError(ex);
        }
    }

    private async Task CommitPendingAsync(List<(Statement Statement, string Sql)> pending, CancellationToken cancellationToken)
    {
        if (pending.Count == 0)
        {
            return;
        }

        var batch = pending.ToArray();
        pending.Clear();
        await ExecuteWritesAsync(batch, cancellationToken).ConfigureAwait(false);
    }

    private async Task ExecuteWritesAsync(IReadOnlyList<(Statement Statement, string Sql)> writes, CancellationToken cancellationToken)
    {
        var result = await _node.ExecuteAsync([.. writes.Select(w => w.Statement)], cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < writes.Count; i++)
        {
            _out.CommandComplete(PgSqlText.CommandTag(writes[i].Sql, result.Results[i].RowsAffected));
        }
    }

    private async Task RunQueryAsync(Statement statement, CancellationToken cancellationToken)
    {
        var query = await _node.QueryAsync(statement, cancellationToken).ConfigureAwait(false);
        await using (query.ConfigureAwait(false))
        {
            var rows = query.ReadRowsAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
            await using (rows.ConfigureAwait(false))
            {
                var hasRow = await rows.MoveNextAsync().ConfigureAwait(false);
                var columns = ColumnsOf(query, hasRow ? rows.Current.Values : null);
                var formats = new short[columns.Length];
                _out.RowDescription(columns, formats);
                long count = 0;
                while (hasRow)
                {
                    _out.DataRow(columns, formats, rows.Current.Values);
                    count++;
                    await FlushIfFullAsync(cancellationToken).ConfigureAwait(false);
                    hasRow = await rows.MoveNextAsync().ConfigureAwait(false);
                }

                _out.CommandComplete($"SELECT {count}");
            }
        }
    }

    private async Task WriteResultSetAsync(PgResultSet result, bool describe, short[] resultFormats, CancellationToken cancellationToken)
    {
        var formats = ExpandFormats(resultFormats, result.Columns.Count);
        if (describe)
        {
            _out.RowDescription(result.Columns, formats);
        }

        foreach (var row in result.Rows)
        {
            _out.DataRow(result.Columns, formats, row);
            await FlushIfFullAsync(cancellationToken).ConfigureAwait(false);
        }

        _out.CommandComplete($"SELECT {result.Rows.Count}");
    }

    private async ValueTask FlushIfFullAsync(CancellationToken cancellationToken)
    {
        if (_out.Unflushed > FlushThreshold)
        {
            await _out.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task TransactionControlAsync(PgStatementKind kind, string sql, CancellationToken cancellationToken)
    {
        switch (kind)
        {
            case PgStatementKind.Begin:
                if (_state != TransactionState.Idle)
                {
                    _out.ErrorResponse("WARNING", "25001", "there is already a transaction in progress", notice: true);
                }
                else
                {
                    _state = TransactionState.InBlock;
                }

                _out.CommandComplete("BEGIN");
                break;
            case PgStatementKind.Commit:
                if (_state == TransactionState.Failed)
                {
                    _transaction.Clear();
                    _state = TransactionState.Idle;
                    _out.CommandComplete("ROLLBACK");
                    break;
                }

                if (_state == TransactionState.Idle)
                {
                    _out.ErrorResponse("WARNING", "25P01", "there is no transaction in progress", notice: true);
                    _out.CommandComplete("COMMIT");
                    break;
                }

                var writes = _transaction.ToArray();
                _transaction.Clear();
                _state = TransactionState.Idle;
                if (writes.Length > 0)
                {
                    // Acknowledged earlier with 0 rows each; only the outcome is reported now.
                    await _node.ExecuteAsync([.. writes.Select(w => w.Statement)], cancellationToken).ConfigureAwait(false);
                }

                _out.CommandComplete("COMMIT");
                break;
            case PgStatementKind.Rollback:
                if (_state == TransactionState.Idle)
                {
                    _out.ErrorResponse("WARNING", "25P01", "there is no transaction in progress", notice: true);
                }

                _transaction.Clear();
                _state = TransactionState.Idle;
                _out.CommandComplete("ROLLBACK");
                break;
            default:
                _out.CommandComplete(PgSqlText.CommandTag(sql, 0));
                break;
        }
    }

    private void ThrowIfFailedBlock(PgStatementKind kind)
    {
        if (_state == TransactionState.Failed && kind is not (PgStatementKind.Commit or PgStatementKind.Rollback))
        {
            throw new PgException(PgSqlState.InFailedTransaction, "current transaction is aborted, commands ignored until end of transaction block");
        }
    }

    private void ThrowIfReadOnly(string sql)
    {
        if (_options.ReadOnly)
        {
            var verb = PgSqlText.Words(sql, 1).FirstOrDefault() ?? "statement";
            throw new PgException(PgSqlState.ReadOnlyTransaction, $"cannot execute {verb} on a read-only listener (api.pg.readonly = true)");
        }
    }

    private async Task<StatementDescription> DescribeSqlAsync(string sqlite, CancellationToken cancellationToken) =>
        await _node.DescribeAsync(sqlite, cancellationToken).ConfigureAwait(false);

    private static PgColumn[] ColumnsOf(QueryResult query, SqlValue[]? firstRow)
    {
        var columns = new PgColumn[query.Columns.Count];
        for (var i = 0; i < columns.Length; i++)
        {
            var oid = PgTypes.FromDeclaredType(query.ColumnTypes[i])
                ?? (firstRow is not null && !firstRow[i].IsNull ? PgTypes.FromValue(firstRow[i]) : PgTypes.Text);
            columns[i] = new PgColumn(query.Columns[i], oid);
        }

        return columns;
    }

    private static short[] ExpandFormats(short[] formats, int count)
    {
        var expanded = new short[count];
        if (formats.Length == 1)
        {
            Array.Fill(expanded, formats[0]);
        }
        else if (formats.Length == count)
        {
            formats.CopyTo(expanded, 0);
        }
        else if (formats.Length != 0)
        {
            throw new PgException(PgSqlState.ProtocolViolation, $"bind message has {formats.Length} result formats but query has {count} columns");
        }

        return expanded;
    }

    // ---- extended query ----

    private async Task ParseAsync(ParseMessage parse, CancellationToken cancellationToken)
    {
        Log.PgQueryReceived(_logger, _id, parse.Sql);
        if (PgSqlText.Split(parse.Sql).Count > 1)
        {
            throw new PgException(PgSqlState.SyntaxError, "cannot insert multiple commands into a prepared statement");
        }

        if (parse.Name.Length > 0 && _statements.ContainsKey(parse.Name))
        {
            throw new PgException("42P05", $"prepared statement \"{parse.Name}\" already exists");
        }

        var kind = PgSqlText.Classify(parse.Sql);
        ThrowIfFailedBlock(kind);
        if (kind == PgStatementKind.UnsupportedCatalog)
        {
            throw PgCatalog.UnsupportedCatalogQuery();
        }

        var sqlite = parse.Sql;
        StatementDescription? description = null;
        var parameterCount = parse.ParameterTypes.Length;
        if (kind == PgStatementKind.Sql)
        {
            sqlite = PgSqlText.RewritePlaceholders(parse.Sql, out var placeholders);
            description = await DescribeSqlAsync(sqlite, cancellationToken).ConfigureAwait(false);
            parameterCount = Math.Max(parameterCount, Math.Max(placeholders, description.ParameterCount));
        }

        var types = new uint[parameterCount];
        parse.ParameterTypes.CopyTo(types, 0);
        _statements[parse.Name] = new PreparedStatement(parse.Sql, sqlite, kind, types, description);
        _out.ParseComplete();
    }

    private async Task BindAsync(BindMessage bind)
    {
        if (!_statements.TryGetValue(bind.Statement, out var statement))
        {
            throw new PgException(PgSqlState.InvalidSqlStatementName, $"prepared statement \"{bind.Statement}\" does not exist");
        }

        ThrowIfFailedBlock(statement.Kind);
        if (bind.Parameters.Length != statement.ParameterTypes.Length)
        {
            throw new PgException(PgSqlState.ProtocolViolation, $"bind message supplies {bind.Parameters.Length} parameters, but prepared statement \"{bind.Statement}\" requires {statement.ParameterTypes.Length}");
        }

        if (bind.ParameterFormats.Length > 1 && bind.ParameterFormats.Length != bind.Parameters.Length)
        {
            throw new PgException(PgSqlState.ProtocolViolation, $"bind message has {bind.ParameterFormats.Length} parameter formats but {bind.Parameters.Length} parameters");
        }

        var values = new SqlValue[bind.Parameters.Length];
        for (var i = 0; i < values.Length; i++)
        {
            var format = bind.ParameterFormats.Length switch
            {
                0 => 0,
                1 => bind.ParameterFormats[0],
                _ => bind.ParameterFormats[i],
            };
            values[i] = PgTypes.DecodeParameter(bind.Parameters[i], format == 1, statement.ParameterTypes[i], i);
        }

        if (_portals.Remove(bind.Portal, out var previous))
        {
            if (bind.Portal.Length > 0)
            {
                _portals[bind.Portal] = previous;
                throw new PgException("42P03", $"portal \"{bind.Portal}\" already exists");
            }

            await previous.DisposeAsync().ConfigureAwait(false);
        }

        _portals[bind.Portal] = new Portal(statement, values, bind.ResultFormats);
        _out.BindComplete();
    }

    private async Task DescribeAsync(DescribeMessage describe, CancellationToken cancellationToken)
    {
        if (describe.Target == 'S')
        {
            if (!_statements.TryGetValue(describe.Name, out var statement))
            {
                throw new PgException(PgSqlState.InvalidSqlStatementName, $"prepared statement \"{describe.Name}\" does not exist");
            }

            _out.ParameterDescription([.. statement.ParameterTypes.Select(t => t == 0 ? PgTypes.Text : t)]);
            var columns = statement.DescribeColumns();
            if (columns is null)
            {
                _out.NoData();
            }
            else
            {
                _out.RowDescription(columns, new short[columns.Length]);
            }

            return;
        }

        var portal = GetPortal(describe.Name);
        switch (portal.Statement.Kind)
        {
            case PgStatementKind.Catalog:
                var result = PgCatalog.Answer(portal.Statement.Sql);
                _out.RowDescription(result.Columns, ExpandFormats(portal.ResultFormats, result.Columns.Count));
                break;
            case PgStatementKind.Sql when portal.Statement.Description!.IsReadOnly:
                await StartPortalAsync(portal, cancellationToken).ConfigureAwait(false);
                _out.RowDescription(portal.Columns!, portal.Formats!);
                break;
            default:
                _out.NoData();
                break;
        }
    }

    private async Task ExecuteAsync(ExecuteMessage execute, CancellationToken cancellationToken)
    {
        var portal = GetPortal(execute.Portal);
        var statement = portal.Statement;
        ThrowIfFailedBlock(statement.Kind);
        switch (statement.Kind)
        {
            case PgStatementKind.Empty:
                _out.EmptyQueryResponse();
                return;
            case PgStatementKind.Begin or PgStatementKind.Commit or PgStatementKind.Rollback or PgStatementKind.Ignored:
                await TransactionControlAsync(statement.Kind, statement.Sql, cancellationToken).ConfigureAwait(false);
                return;
            case PgStatementKind.Catalog:
                await WriteResultSetAsync(PgCatalog.Answer(statement.Sql), describe: false, portal.ResultFormats, cancellationToken).ConfigureAwait(false);
                return;
        }

        if (statement.Description!.IsReadOnly)
        {
            await ExecuteReadAsync(portal, execute.MaxRows, cancellationToken).ConfigureAwait(false);
            return;
        }

        ThrowIfReadOnly(statement.Sql);
        if (portal.Done)
        {
            _out.CommandComplete(PgSqlText.CommandTag(statement.Sql, 0));
            return;
        }

        portal.Done = true;
        var write = new Statement(statement.SqliteSql, portal.ParametersFor(statement.Description.ParameterCount));
        if (_state == TransactionState.InBlock)
        {
            _transaction.Add((write, statement.Sql));
            _out.CommandComplete(PgSqlText.CommandTag(statement.Sql, 0));
            return;
        }

        await ExecuteWritesAsync([(write, statement.Sql)], cancellationToken).ConfigureAwait(false);
    }

    private async Task ExecuteReadAsync(Portal portal, int maxRows, CancellationToken cancellationToken)
    {
        if (portal.Done)
        {
            _out.CommandComplete($"SELECT {portal.RowCount}");
            return;
        }

        await StartPortalAsync(portal, cancellationToken).ConfigureAwait(false);
        var rows = portal.Rows!;
        var sent = 0;
        try
        {
            while (portal.HasRow)
            {
                if (maxRows > 0 && sent == maxRows)
                {
                    _out.PortalSuspended();
                    return;
                }

                _out.DataRow(portal.Columns!, portal.Formats!, rows.Current.Values);
                sent++;
                portal.RowCount++;
                await FlushIfFullAsync(cancellationToken).ConfigureAwait(false);
                portal.HasRow = await rows.MoveNextAsync().ConfigureAwait(false);
            }
        }
        catch
        {
            await portal.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        // Finished: give the reader connection back now rather than at Sync.
        await portal.DisposeAsync().ConfigureAwait(false);
        _out.CommandComplete($"SELECT {portal.RowCount}");
    }

    private async Task StartPortalAsync(Portal portal, CancellationToken cancellationToken)
    {
        if (portal.Query is not null || portal.Done)
        {
            return;
        }

        var statement = portal.Statement;
        var query = await _node.QueryAsync(new Statement(statement.SqliteSql, portal.ParametersFor(statement.Description!.ParameterCount)), cancellationToken).ConfigureAwait(false);
        portal.Query = query;
        portal.Rows = query.ReadRowsAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        try
        {
            portal.HasRow = await portal.Rows.MoveNextAsync().ConfigureAwait(false);
        }
        catch
        {
            await portal.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        // A statement described to the client keeps the types it announced; otherwise the first row decides.
        portal.Columns = statement.DescribedColumns ?? ColumnsOf(query, portal.HasRow ? portal.Rows.Current.Values : null);
        portal.Formats = ExpandFormats(portal.ResultFormats, portal.Columns.Length);
    }

    private async Task CloseAsync(CloseMessage close)
    {
        if (close.Target == 'S')
        {
            _statements.Remove(close.Name);
        }
        else if (_portals.Remove(close.Name, out var portal))
        {
            await portal.DisposeAsync().ConfigureAwait(false);
        }

        _out.CloseComplete();
    }

    private Portal GetPortal(string name) =>
        _portals.TryGetValue(name, out var portal)
            ? portal
            : throw new PgException(PgSqlState.InvalidCursorName, $"portal \"{name}\" does not exist");

    private async Task ClosePortalsAsync()
    {
        foreach (var portal in _portals.Values)
        {
            await portal.DisposeAsync().ConfigureAwait(false);
        }

        _portals.Clear();
    }

    /// <summary>A parsed statement: the client's SQL, the SQL given to SQLite and what it looks like.</summary>
    private sealed class PreparedStatement(string sql, string sqliteSql, PgStatementKind kind, uint[] parameterTypes, StatementDescription? description)
    {
        public string Sql { get; } = sql;

        public string SqliteSql { get; } = sqliteSql;

        public PgStatementKind Kind { get; } = kind;

        public uint[] ParameterTypes { get; } = parameterTypes;

        public StatementDescription? Description { get; } = description;

        /// <summary>The columns announced by a statement Describe; later portals send rows of these types.</summary>
        public PgColumn[]? DescribedColumns { get; private set; }

        public PgColumn[]? DescribeColumns()
        {
            if (Kind == PgStatementKind.Catalog)
            {
                return [.. PgCatalog.Answer(Sql).Columns];
            }

            if (Description is not { Columns.Count: > 0 } description)
            {
                return null;
            }

            DescribedColumns ??= [.. description.Columns.Select(c => new PgColumn(c.Name, PgTypes.FromDeclaredType(c.DeclaredType) ?? PgTypes.Text))];
            return DescribedColumns;
        }
    }

    /// <summary>A bound statement, and for a read its running query.</summary>
    private sealed class Portal(PreparedStatement statement, SqlValue[] parameters, short[] resultFormats) : IAsyncDisposable
    {
        public PreparedStatement Statement { get; } = statement;

        public short[] ResultFormats { get; } = resultFormats;

        public QueryResult? Query { get; set; }

        public IAsyncEnumerator<QueryRow>? Rows { get; set; }

        public bool HasRow { get; set; }

        public PgColumn[]? Columns { get; set; }

        public short[]? Formats { get; set; }

        public long RowCount { get; set; }

        public bool Done { get; set; }

        /// <summary>The bound values SQLite's statement takes (a client may declare more than the SQL uses).</summary>
        public SqlValue[] ParametersFor(int count) => parameters.Length <= count ? parameters : parameters[..count];

        public async ValueTask DisposeAsync()
        {
            if (Query is null)
            {
                return;
            }

            Done = true;
            if (Rows is not null)
            {
                await Rows.DisposeAsync().ConfigureAwait(false);
                Rows = null;
            }

            await Query.DisposeAsync().ConfigureAwait(false);
            Query = null;
            HasRow = false;
        }
    }
}
