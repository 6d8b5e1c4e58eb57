using System.Collections.Immutable;
using System.Net;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Corrosion.Gossip.Protocol;
using Corrosion.Gossip.Transport;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Corrosion.Gossip.Membership;

/// <summary>
/// SWIM membership over the transport's datagrams: join through bootstrap (or previously known) addresses, one probe
/// per <see cref="SwimOptions.ProbePeriod"/> (round-robin over a shuffled list), indirect probes through
/// <see cref="SwimOptions.NumIndirectProbes"/> members, suspicion, Down after the suspicion timeout, refutation with
/// incarnation numbers, updates piggybacked on every message and gossiped periodically, graceful leave on stop.
/// <para>
/// One loop owns the protocol state and handles one event at a time (a received message or a timer); timers only post
/// events. The membership view is an immutable <see cref="MembershipSnapshot"/> swapped with compare-and-swap and
/// published through <see cref="WatchAsync"/>. Time comes from the injected <see cref="TimeProvider"/>, choices from
/// the injected <see cref="Random"/>.
/// </para>
/// </summary>
internal sealed class SwimMembership : IHostedService, IAsyncDisposable
{
    private const int EventQueueCapacity = 1024;
    private const int MaxLeaveRecipients = 64;
    private const int MaxRelays = 1024;

    // A feed answering an announce carries every active member, over this many datagrams at most (350 to 500
    // members at the default packet size, IPv6 or IPv4); beyond that, periodic announces fill in the rest.
    private const int MaxFeedDatagrams = 16;

    // While no join target answers, warn at this announce and then every NoAnswerWarnEvery more.
    private const int NoAnswerWarnAfter = 5;
    private const int NoAnswerWarnEvery = 10;

    private readonly IPeerTransport _transport;
    private readonly SwimOptions _options;
    private readonly IMemberStore? _store;
    private readonly TimeProvider _time;
    private readonly Random _random;
    private readonly ILogger _logger;
    private readonly Channel<SwimEvent> _events;
    private readonly SwimUpdateQueue _updates = new();
    private readonly Dictionary<ActorId, Suspicion> _suspicions = [];
    private readonly Dictionary<uint, Relay> _relays = [];
    private readonly Dictionary<ActorId, DateTimeOffset> _lastNotified = [];
    private readonly List<Member> _probeOrder = [];
    private readonly int _packetSize;

    private MembershipSnapshot _snapshot = MembershipSnapshot.Empty;
    private ImmutableArray<Channel<MembershipSnapshot>> _watchers = [];
    private uint _incarnation;
    private int _pendingEvents;

    // Counters (Interlocked: the receive pump and timers touch some of them).
    private long _received;
    private long _sent;
    private long _malformed;
    private long _foreign;
    private long _sendFailures;
    private long _handlerErrors;
    private long _eventsDropped;

    // Loop-owned state.
    private List<EndPoint> _joinTargets = [];
    private bool _joined;
    private bool _leaving;
    private uint _nextProbeNumber;
    private int _probeIndex;
    private Probe? _probe;
    private ITimer? _probeRttTimer;
    private ITimer? _announceTimer;
    private TimeSpan _announceBackoff;
    private int _unansweredAnnounces;
    private DateTimeOffset _joinStartedAt;
    private bool _dirty;
    private DateTimeOffset _lastPersist;

    private CancellationTokenSource? _runCts;
    private Task? _runTask;
    private int _started;
    private bool _stopped;

    public SwimMembership(
        IPeerTransport transport,
        SwimOptions options,
        ActorId actorId,
        TimeProvider timeProvider,
        Random random,
        ILogger<SwimMembership> logger,
        IMemberStore? store = null)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(logger);

        _transport = transport;
        _options = options;
        _store = store;
        _time = timeProvider;
        _random = random;
        _logger = logger;
        _packetSize = Math.Min(options.MaxPacketSize, transport.MaxDatagramSize);
        _events = Channel.CreateBounded<SwimEvent>(new BoundedChannelOptions(EventQueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
        });

        var address = options.AdvertisedAddress
            ?? transport.LocalEndPoint as IPEndPoint
            ?? throw new ArgumentException($"SwimOptions.AdvertisedAddress: required when the transport's local endpoint ({transport.LocalEndPoint}) is not an IP endpoint", nameof(options));
        Self = new Member(actorId, address, timeProvider.GetUtcNow(), options.ClusterId);
    }

    /// <summary>This node's identity (this run).</summary>
    public Member Self { get; }

    /// <summary>This node's current incarnation (raised each time it refutes a suspicion).</summary>
    public uint Incarnation => Volatile.Read(ref _incarnation);

    /// <summary>The latest membership view (other members only).</summary>
    public MembershipSnapshot Current => Volatile.Read(ref _snapshot);

    /// <summary>Counts members joining and leaving this node's view (set by the cluster node before start).</summary>
    internal Metrics.GossipMetrics? Metrics { get; set; }

    /// <summary>Membership updates waiting to be piggybacked (read without the loop's lock: a gauge's snapshot).</summary>
    internal int UpdatesBacklog => _updates.Count;

    /// <summary>Whether some member has answered since start.</summary>
    public bool IsJoined => Volatile.Read(ref _joined);

    public SwimStatistics Statistics => new(
        Interlocked.Read(ref _received),
        Interlocked.Read(ref _sent),
        Interlocked.Read(ref _malformed),
        Interlocked.Read(ref _foreign),
        Interlocked.Read(ref _sendFailures),
        Interlocked.Read(ref _handlerErrors),
        Interlocked.Read(ref _eventsDropped));

    /// <summary>Events queued or being handled by the loop; zero when it is idle (tests use this to settle).</summary>
    internal int PendingEvents => Volatile.Read(ref _pendingEvents);

    /// <summary>
    /// The current snapshot, then every newer one until membership stops or <paramref name="cancellationToken"/> is
    /// cancelled. A slow consumer skips intermediate versions (it always gets the latest).
    /// </summary>
    public async IAsyncEnumerable<MembershipSnapshot> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateBounded<MembershipSnapshot>(new BoundedChannelOptions(1)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });
        ImmutableInterlocked.Update(ref _watchers, static (list, c) => list.Add(c), channel);
        try
        {
            channel.Writer.TryWrite(Current);
            if (Volatile.Read(ref _stopped))
            {
                channel.Writer.TryComplete();
            }

            var seen = -1L;
            await foreach (var snapshot in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                if (snapshot.Version > seen)
                {
                    seen = snapshot.Version;
                    yield return snapshot;
                }
            }
        }
        finally
        {
            ImmutableInterlocked.Update(ref _watchers, static (list, c) => list.Remove(c), channel);
        }
    }

    /// <summary>Validates the options and starts <see cref="RunAsync"/> in the background; returns at once.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("SWIM membership was already started");
        }

        Validate(_options);
        _runCts = new CancellationTokenSource();
        PostStart();
        _runTask = RunCoreAsync(_runCts.Token);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Leaves the cluster gracefully and waits for the loop to end, or until <paramref name="cancellationToken"/>
    /// fires: then it returns without waiting further (as <c>BackgroundService.StopAsync</c> does) and the leave goes
    /// on, bounded by <see cref="SwimOptions.LeaveTimeout"/>. A failure of the loop itself is still thrown.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_runTask is null || _runCts is null)
        {
            return;
        }

        await _runCts.CancelAsync().ConfigureAwait(false);

        // The token is the caller's stop deadline, not a reason to fail: a host whose shutdown budget was spent
        // elsewhere (HTTP requests draining) hands over an already-cancelled token, and throwing here made the
        // agent report its whole stop as failed and exit 1.
        var finished = await Task.WhenAny(_runTask, Task.Delay(Timeout.InfiniteTimeSpan, _time, cancellationToken)).ConfigureAwait(false);
        if (finished == _runTask)
        {
            await _runTask.ConfigureAwait(false);
        }
        else
        {
            Log.StopWaitAbandoned(_logger);
        }
    }

    /// <summary>
    /// Runs membership until <paramref name="cancellationToken"/> is cancelled, then leaves gracefully and returns.
    /// For hosting as a <see cref="BackgroundService"/>'s body; do not combine with <see cref="StartAsync"/>.
    /// </summary>
    public Task RunAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("SWIM membership was already started");
        }

        Validate(_options);
        PostStart();
        var task = RunCoreAsync(cancellationToken);
        _runTask = task;
        return task;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync().ConfigureAwait(false);
        }
        finally
        {
            _runCts?.Dispose();
        }
    }

    private void Validate(SwimOptions options)
    {
        var result = new SwimOptionsValidator().Validate(null, options);
        var failures = result.Failed ? result.Failures.ToList() : [];
        if (_packetSize < SwimCodec.MaxHeaderLength + SwimCodec.MaxUpdateLength)
        {
            failures.Add($"SwimOptions.MaxPacketSize: the transport '{_transport.Name}' sends at most {_transport.MaxDatagramSize} bytes, less than the {SwimCodec.MaxHeaderLength + SwimCodec.MaxUpdateLength} SWIM needs");
        }

        if (failures.Count > 0)
        {
            throw new OptionsValidationException(nameof(SwimOptions), typeof(SwimOptions), failures);
        }
    }

    private void PostStart()
    {
        // Counted before StartAsync returns, so a test that settles right after start waits for the join announce.
        Post(new SwimEvent(SwimEventKind.Start));
    }

    private async Task RunCoreAsync(CancellationToken stopping)
    {
        await Task.Yield();
        using var probeTimer = _time.CreateTimer(static s => ((SwimMembership)s!).Post(new SwimEvent(SwimEventKind.ProbeTick)), this, _options.ProbePeriod, _options.ProbePeriod);
        using var gossipTimer = _time.CreateTimer(static s => ((SwimMembership)s!).Post(new SwimEvent(SwimEventKind.GossipTick)), this, _options.GossipPeriod, _options.GossipPeriod);
        _announceTimer = _time.CreateTimer(static s => ((SwimMembership)s!).Post(new SwimEvent(SwimEventKind.AnnounceTick)), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        using var pumpCts = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var pump = PumpAsync(pumpCts.Token);
        try
        {
            await LoopAsync(stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Normal stop.
        }
        finally
        {
            probeTimer.Dispose();
            gossipTimer.Dispose();
            _announceTimer.Dispose();
            _probeRttTimer?.Dispose();
            foreach (var suspicion in _suspicions.Values)
            {
                suspicion.Timer.Dispose();
            }

            _suspicions.Clear();
            await pumpCts.CancelAsync().ConfigureAwait(false);
            try
            {
                await pump.ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (pumpCts.IsCancellationRequested)
            {
            }

            // Events that will never be handled no longer count as pending; timers that still fire post nothing.
            _events.Writer.TryComplete();
            while (_events.Reader.TryRead(out _))
            {
                Interlocked.Decrement(ref _pendingEvents);
            }

            if (!stopping.IsCancellationRequested)
            {
                // Failing (the transport broke): watchers end too. A normal stop completes them after leaving.
                CompleteWatchers();
            }
        }

        await LeaveAsync().ConfigureAwait(false);
        await PersistAsync(CancellationToken.None).ConfigureAwait(false);
        CompleteWatchers();
        Log.Stopped(_logger);
    }

    private void CompleteWatchers()
    {
        Volatile.Write(ref _stopped, true);
        foreach (var watcher in _watchers)
        {
            watcher.Writer.TryComplete();
        }
    }

    /// <summary>Runs the receive pump; if the transport fails, the loop ends with that failure (a fatal error for the host).</summary>
    private async Task PumpAsync(CancellationToken cancellationToken)
    {
        try
        {
            await ReceiveAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            Log.ReceiveFailed(_logger, ex, _transport.Name);
            _events.Writer.TryComplete(ex);
        }
    }

    /// <summary>Decodes datagrams off the transport and queues them for the loop; malformed or foreign ones stop here.</summary>
    private async Task ReceiveAsync(CancellationToken cancellationToken)
    {
        await foreach (var datagram in _transport.ReceiveDatagramsAsync(cancellationToken).ConfigureAwait(false))
        {
            SwimMessage message;
            try
            {
                message = SwimCodec.Decode(datagram.Payload.Span);
            }
            catch (SwimProtocolException ex)
            {
                Interlocked.Increment(ref _malformed);
                Log.MalformedDatagram(_logger, datagram.RemoteEndPoint, ex.Message);
                continue;
            }

            if (message.ClusterId != _options.ClusterId)
            {
                Interlocked.Increment(ref _foreign);
                Log.ForeignCluster(_logger, datagram.RemoteEndPoint, message.ClusterId, _options.ClusterId);
                continue;
            }

            if (IsWildcard(message.Sender.Address))
            {
                // The sender advertises its wildcard bind address (no external_addr): reach it where its datagram came from.
                if (datagram.RemoteEndPoint is IPEndPoint source)
                {
                    var sender = message.Sender;
                    message = message with { Sender = new Member(sender.Id, new IPEndPoint(source.Address, sender.Address.Port), sender.StartedAt, sender.ClusterId) };
                }
            }

            Interlocked.Increment(ref _pendingEvents);
            try
            {
                await _events.Writer.WriteAsync(new SwimEvent(SwimEventKind.Message, message), cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                Interlocked.Decrement(ref _pendingEvents);
                throw;
            }
        }
    }

    /// <summary>Queues an event from a timer; if the queue is full the event is dropped and counted.</summary>
    private void Post(SwimEvent e)
    {
        Interlocked.Increment(ref _pendingEvents);
        if (!_events.Writer.TryWrite(e))
        {
            Interlocked.Decrement(ref _pendingEvents);
            Interlocked.Increment(ref _eventsDropped);
        }
    }

    private async Task LoopAsync(CancellationToken stopping)
    {
        while (await _events.Reader.WaitToReadAsync(stopping).ConfigureAwait(false))
        {
            while (_events.Reader.TryRead(out var e))
            {
                try
                {
                    await HandleAsync(e, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                {
                    Interlocked.Decrement(ref _pendingEvents);
                    throw;
                }
                catch (Exception ex)
                {
                    Interlocked.Increment(ref _handlerErrors);
                    Log.HandlerFailed(_logger, ex, e.Kind.ToString());
                }

                Interlocked.Decrement(ref _pendingEvents);
            }
        }
    }

    private Task HandleAsync(SwimEvent e, CancellationToken ct) => e.Kind switch
    {
        SwimEventKind.Start => OnStartAsync(ct),
        SwimEventKind.Message => OnMessageAsync(e.Message!, ct),
        SwimEventKind.ProbeTick => OnProbeTickAsync(ct),
        SwimEventKind.ProbeRtt => OnProbeRttAsync(e.Number, ct),
        SwimEventKind.GossipTick => OnGossipTickAsync(ct),
        SwimEventKind.AnnounceTick => OnAnnounceAsync(ct),
        SwimEventKind.SuspicionExpired => OnSuspicionExpiredAsync(e.Actor, e.Number),
        SwimEventKind.AddJoinTargets => OnAddJoinTargetsAsync(e.Targets!, ct),
        _ => Task.CompletedTask,
    };

    // ---- start, join and announce ----

    private async Task OnStartAsync(CancellationToken ct)
    {
        var targets = new List<EndPoint>();
        foreach (var address in _options.Bootstrap)
        {
            AddTarget(targets, address);
        }

        if (_store is not null)
        {
            IReadOnlyList<MemberState> persisted = [];
            try
            {
                persisted = await _store.LoadAsync(ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                // Join through the bootstrap list alone rather than not at all.
                Log.LoadFailed(_logger, ex);
            }

            foreach (var known in persisted)
            {
                if (known.Id != Self.Id && known.Status != MemberStatus.Left)
                {
                    AddTarget(targets, known.Member.Address);
                }
            }
        }

        _joinTargets = targets;
        _announceBackoff = _options.AnnounceBackoffInitial;
        _lastPersist = _time.GetUtcNow();
        _joinStartedAt = _lastPersist;
        Log.Started(_logger, Self.Id, Self.Address, Self.ClusterId, _transport.Name, targets.Count);
        if (IsWildcard(Self.Address))
        {
            Log.WildcardAddress(_logger, Self.Address);
        }

        await OnAnnounceAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// More addresses to join through, known only after start (bootstrap names resolved in the background). While
    /// not joined yet, they are announced to at once.
    /// </summary>
    public void AddJoinTargets(IReadOnlyList<EndPoint> addresses)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        Post(new SwimEvent(SwimEventKind.AddJoinTargets, Targets: addresses));
    }

    private async Task OnAddJoinTargetsAsync(IReadOnlyList<EndPoint> addresses, CancellationToken ct)
    {
        var before = _joinTargets.Count;
        foreach (var address in addresses)
        {
            AddTarget(_joinTargets, address);
        }

        if (_joinTargets.Count > before && !_joined)
        {
            _announceBackoff = _options.AnnounceBackoffInitial;
            await OnAnnounceAsync(ct).ConfigureAwait(false);
        }
    }

    private void AddTarget(List<EndPoint> targets, EndPoint address)
    {
        if (!address.Equals(Self.Address) && !targets.Contains(address))
        {
            targets.Add(address);
        }
    }

    private async Task OnAnnounceAsync(CancellationToken ct)
    {
        List<EndPoint> targets;
        TimeSpan next;
        if (!_joined)
        {
            // Joining: announce to every bootstrap and previously known address, backing off until someone answers.
            targets = _joinTargets;
            next = _announceBackoff;
            _announceBackoff = TimeSpan.FromTicks(Math.Min(_announceBackoff.Ticks * 2, _options.AnnounceBackoffMax.Ticks));

            // Nobody answered the earlier announces (a dead or wrong bootstrap address, a firewall, or with TLS a
            // certificate the peers refuse): say so, or an operator sees nothing after "started". Once at the fifth
            // announce (about 15 s with the default backoff), then every tenth.
            _unansweredAnnounces++;
            if (targets.Count > 0 && (_unansweredAnnounces == NoAnswerWarnAfter || (_unansweredAnnounces > NoAnswerWarnAfter && (_unansweredAnnounces - NoAnswerWarnAfter) % NoAnswerWarnEvery == 0)))
            {
                Log.NoAnswerFromJoinTargets(_logger, _unansweredAnnounces - 1, string.Join(", ", targets), _time.GetUtcNow() - _joinStartedAt, Self.Address);
            }
        }
        else
        {
            // Joined: announce to a few random active members (foca's periodic_announce): their feeds carry every
            // member they know, so two members that the join dissemination left unaware of each other still meet.
            // And to a few addresses among members held down and bootstrap addresses no active member has, which
            // heals partitions (both sides hold the other down).
            var candidates = new List<EndPoint>();
            var active = new List<EndPoint>();
            foreach (var member in Current.Members)
            {
                if (member.IsActive)
                {
                    AddTarget(active, member.Member.Address);
                }
                else if (member.Status == MemberStatus.Down)
                {
                    AddTarget(candidates, member.Member.Address);
                }
            }

            foreach (var address in _joinTargets)
            {
                if (!active.Contains(address))
                {
                    AddTarget(candidates, address);
                }
            }

            targets = Sample(active, _options.AnnounceFanout);
            foreach (var address in Sample(candidates, _options.AnnounceFanout))
            {
                AddTarget(targets, address);
            }

            next = _options.AnnouncePeriod;
        }

        _announceTimer?.Change(next, Timeout.InfiniteTimeSpan);
        if (targets.Count == 0)
        {
            return;
        }

        Log.Announcing(_logger, targets.Count, next);
        foreach (var target in targets)
        {
            await SendAsync(target, SwimMessageKind.Announce, 0, null, null, ct).ConfigureAwait(false);
        }
    }

    // ---- received messages ----

    private async Task OnMessageAsync(SwimMessage message, CancellationToken ct)
    {
        Interlocked.Increment(ref _received);
        if (message.Sender.Id == Self.Id)
        {
            // Our own echo, or a stale run of ours; neither says anything about a peer.
            return;
        }

        var senderStatus = message.Kind == SwimMessageKind.Leave ? MemberStatus.Left : MemberStatus.Alive;
        Apply(new MemberState(message.Sender, senderStatus, message.SenderIncarnation));
        foreach (var update in message.Updates)
        {
            Apply(update);
        }

        if (!_joined && senderStatus == MemberStatus.Alive)
        {
            Volatile.Write(ref _joined, true);
            Log.Joined(_logger, message.Sender.Id, message.Sender.Address);
            _announceTimer?.Change(_options.AnnouncePeriod, Timeout.InfiniteTimeSpan);
        }

        // If we hold the sender as suspect, down or left at an incarnation it has not refuted, tell it so it can refute.
        MemberState? notice = null;
        if (senderStatus == MemberStatus.Alive
            && Current.TryGet(message.Sender.Id, out var held)
            && held.Member.IsSameRunAs(message.Sender)
            && held.Status is MemberStatus.Suspect or MemberStatus.Down or MemberStatus.Left
            && held.Incarnation >= message.SenderIncarnation)
        {
            notice = held;
        }

        var replyTo = message.Sender.Address;
        switch (message.Kind)
        {
            case SwimMessageKind.Ping:
                await SendAsync(replyTo, SwimMessageKind.Ack, message.ProbeNumber, null, notice, ct).ConfigureAwait(false);
                return;

            case SwimMessageKind.Announce:
                await SendFeedAsync(message.Sender, notice, ct).ConfigureAwait(false);
                return;

            case SwimMessageKind.PingReq when message.Target is not null:
                await OnPingReqAsync(message, ct).ConfigureAwait(false);
                break;

            case SwimMessageKind.Ack:
                await OnAckAsync(message, ct).ConfigureAwait(false);
                break;

            case SwimMessageKind.ForwardedAck when message.Target is not null:
                if (_probe is { } probe && probe.Number == message.ProbeNumber && probe.Target.Id == message.Target.Id)
                {
                    _probe = probe with { Acked = true };
                }

                break;
        }

        if (notice is not null && ShouldNotify(message.Sender.Id))
        {
            await SendAsync(replyTo, SwimMessageKind.Feed, 0, null, notice, ct).ConfigureAwait(false);
        }
    }

    private bool ShouldNotify(ActorId actor)
    {
        var now = _time.GetUtcNow();
        if (_lastNotified.TryGetValue(actor, out var last) && now - last < _options.ProbePeriod)
        {
            return false;
        }

        _lastNotified[actor] = now;
        return true;
    }

    private async Task OnAckAsync(SwimMessage message, CancellationToken ct)
    {
        if (_probe is { } probe && probe.Number == message.ProbeNumber && probe.Target.Id == message.Sender.Id)
        {
            _probe = probe with { Acked = true };
            return;
        }

        if (_relays.Remove(message.ProbeNumber, out var relay) && relay.Target == message.Sender.Id)
        {
            await SendAsync(relay.Requester, SwimMessageKind.ForwardedAck, relay.RequesterProbe, message.Sender, null, ct).ConfigureAwait(false);
        }
    }

    private async Task OnPingReqAsync(SwimMessage message, CancellationToken ct)
    {
        var target = message.Target!;
        if (target.Id == Self.Id)
        {
            // Asked to probe ourselves: answer the requester directly.
            await SendAsync(message.Sender.Address, SwimMessageKind.ForwardedAck, message.ProbeNumber, Self, null, ct).ConfigureAwait(false);
            return;
        }

        if (_relays.Count >= MaxRelays)
        {
            // A flood of ping-reqs (each entry lives one probe period): refuse rather than grow without bound.
            return;
        }

        var number = ++_nextProbeNumber;
        _relays[number] = new Relay(message.Sender.Address, message.ProbeNumber, target.Id, _time.GetUtcNow() + _options.ProbePeriod);
        await SendAsync(target.Address, SwimMessageKind.Ping, number, null, null, ct).ConfigureAwait(false);
    }

    /// <summary>Applies one statement about a member: SWIM precedence, then swap, log, timers and dissemination.</summary>
    private void Apply(MemberState incoming)
    {
        if (incoming.Id == Self.Id)
        {
            ApplyAboutSelf(incoming);
            return;
        }

        var now = _time.GetUtcNow();
        MembershipSnapshot current, next;
        MemberState? previous;
        MemberState stored;
        do
        {
            current = Volatile.Read(ref _snapshot);
            current.TryGet(incoming.Id, out previous);
            if (!MemberPrecedence.Supersedes(previous, incoming))
            {
                return;
            }

            var since = previous is not null && previous.Status == incoming.Status && previous.Member.IsSameRunAs(incoming.Member) ? previous.Since : now;
            stored = incoming with { Since = since };
            if (previous is not null && IsWildcard(incoming.Member.Address) && !IsWildcard(previous.Member.Address))
            {
                // A member that advertises its wildcard address stays reachable where we found it.
                var member = incoming.Member;
                stored = stored with { Member = new Member(member.Id, previous.Member.Address, member.StartedAt, member.ClusterId) };
            }

            next = current.With(stored);
        }
        while (Interlocked.CompareExchange(ref _snapshot, next, current) != current);

        Metrics?.MemberChanged(previous, stored);
        if (previous is not null && !previous.Member.IsSameRunAs(stored.Member))
        {
            Log.MemberRestarted(_logger, stored.Id, previous.Member.StartedAt, stored.Member.StartedAt);
        }

        if (previous is null || previous.Status != stored.Status || !previous.Member.IsSameRunAs(stored.Member))
        {
            Log.MemberStatusChanged(_logger, stored.Id, stored.Member.Address, stored.Status, stored.Incarnation);
        }

        if (stored.Status == MemberStatus.Suspect)
        {
            StartSuspicion(stored);
        }
        else
        {
            CancelSuspicion(stored.Id);
        }

        _updates.Enqueue(stored, _options.MaxTransmissions(ClusterSize(next)));
        _dirty = true;
        Publish(next);
    }

    private void ApplyAboutSelf(MemberState incoming)
    {
        if (_leaving || !incoming.Member.IsSameRunAs(Self) || incoming.Status == MemberStatus.Alive || incoming.Incarnation < _incarnation)
        {
            return;
        }

        var old = _incarnation;
        var raised = incoming.Incarnation == uint.MaxValue ? uint.MaxValue : incoming.Incarnation + 1;
        Volatile.Write(ref _incarnation, raised);
        Log.Refuted(_logger, incoming.Status, old, raised);
        _updates.Enqueue(SelfState(MemberStatus.Alive), _options.MaxTransmissions(ClusterSize(Current)));
    }

    private static bool IsWildcard(IPEndPoint address) =>
        address.Address.Equals(IPAddress.Any) || address.Address.Equals(IPAddress.IPv6Any);

    private MemberState SelfState(MemberStatus status) => new(Self, status, _incarnation);

    private static int ClusterSize(MembershipSnapshot snapshot) => snapshot.Members.Count(m => m.IsActive) + 1;

    private void Publish(MembershipSnapshot snapshot)
    {
        foreach (var watcher in _watchers)
        {
            watcher.Writer.TryWrite(snapshot);
        }
    }

    // ---- suspicion ----

    private void StartSuspicion(MemberState member)
    {
        if (_suspicions.TryGetValue(member.Id, out var existing))
        {
            if (existing.StartedAt == member.Member.StartedAt && existing.Incarnation == member.Incarnation)
            {
                return;
            }

            existing.Timer.Dispose();
        }

        var timeout = _options.SuspicionTimeout(ClusterSize(Current));
        var id = member.Id;
        var incarnation = member.Incarnation;
        var timer = _time.CreateTimer(
            _ => Post(new SwimEvent(SwimEventKind.SuspicionExpired, Actor: id, Number: incarnation)),
            null,
            timeout,
            Timeout.InfiniteTimeSpan);
        _suspicions[id] = new Suspicion(timer, member.Member.StartedAt, incarnation, _time.GetUtcNow() + timeout);
    }

    private void CancelSuspicion(ActorId id)
    {
        if (_suspicions.Remove(id, out var suspicion))
        {
            suspicion.Timer.Dispose();
        }
    }

    private Task OnSuspicionExpiredAsync(ActorId id, uint incarnation)
    {
        if (_suspicions.TryGetValue(id, out var suspicion) && suspicion.Incarnation == incarnation)
        {
            ExpireSuspicion(id, suspicion);
        }

        return Task.CompletedTask;
    }

    private void ExpireSuspicion(ActorId id, Suspicion suspicion)
    {
        CancelSuspicion(id);
        if (Current.TryGet(id, out var member)
            && member.Status == MemberStatus.Suspect
            && member.Incarnation == suspicion.Incarnation
            && member.Member.StartedAt == suspicion.StartedAt)
        {
            Apply(member with { Status = MemberStatus.Down });
        }
    }

    // ---- probing ----

    private async Task OnProbeTickAsync(CancellationToken ct)
    {
        if (_probe is { Acked: false } missed && Current.TryGet(missed.Target.Id, out var target)
            && target.Status == MemberStatus.Alive && target.Member.IsSameRunAs(missed.Target))
        {
            Apply(target with { Status = MemberStatus.Suspect });
        }

        _probe = null;
        _probeRttTimer?.Dispose();
        _probeRttTimer = null;
        ForgetOldMembers();

        var next = NextProbeTarget();
        if (next is null)
        {
            return;
        }

        var number = ++_nextProbeNumber;
        _probe = new Probe(number, next, false);
        _probeRttTimer = _time.CreateTimer(
            static s => { var (self, n) = ((SwimMembership, uint))s!; self.Post(new SwimEvent(SwimEventKind.ProbeRtt, Number: n)); },
            (this, number),
            _options.ProbeRtt,
            Timeout.InfiniteTimeSpan);
        await SendAsync(next.Address, SwimMessageKind.Ping, number, null, null, ct).ConfigureAwait(false);
    }

    /// <summary>Round-robin over a shuffled list of the active members, reshuffled after each pass.</summary>
    private Member? NextProbeTarget()
    {
        var snapshot = Current;
        for (var pass = 0; pass < 2; pass++)
        {
            while (_probeIndex < _probeOrder.Count)
            {
                var candidate = _probeOrder[_probeIndex++];
                if (snapshot.TryGet(candidate.Id, out var state) && state.IsActive)
                {
                    return state.Member;
                }
            }

            _probeOrder.Clear();
            _probeOrder.AddRange(snapshot.Members.Where(m => m.IsActive).Select(m => m.Member));
            Shuffle(_probeOrder);
            _probeIndex = 0;
        }

        return null;
    }

    private async Task OnProbeRttAsync(uint number, CancellationToken ct)
    {
        if (_probe is not { Acked: false } probe || probe.Number != number)
        {
            return;
        }

        var relays = Sample(
            Current.Members.Where(m => m.Status == MemberStatus.Alive && m.Id != probe.Target.Id).Select(m => m.Member.Address).ToList(),
            _options.NumIndirectProbes);
        Log.IndirectProbe(_logger, probe.Target.Id, relays.Count);
        foreach (var relay in relays)
        {
            await SendAsync(relay, SwimMessageKind.PingReq, number, probe.Target, null, ct).ConfigureAwait(false);
        }
    }

    // ---- gossip and housekeeping ----

    private async Task OnGossipTickAsync(CancellationToken ct)
    {
        var now = _time.GetUtcNow();

        // A suspicion whose timer event was lost (full queue) still expires here.
        foreach (var (id, suspicion) in _suspicions.Where(s => s.Value.Deadline <= now).ToList())
        {
            ExpireSuspicion(id, suspicion);
        }

        foreach (var number in _relays.Where(r => r.Value.Expires <= now).Select(r => r.Key).ToList())
        {
            _relays.Remove(number);
        }

        if (_updates.Count > 0)
        {
            var targets = Sample(Current.Members.Where(m => m.IsActive).Select(m => m.Member.Address).ToList(), _options.GossipFanout);
            foreach (var target in targets)
            {
                if (_updates.Count == 0)
                {
                    break;
                }

                await SendAsync(target, SwimMessageKind.Gossip, 0, null, null, ct).ConfigureAwait(false);
            }
        }

        if (_dirty && now - _lastPersist >= _options.PersistInterval)
        {
            await PersistAsync(ct).ConfigureAwait(false);
        }
    }

    private void ForgetOldMembers()
    {
        var now = _time.GetUtcNow();
        foreach (var member in Current.Members)
        {
            if (!member.IsActive && now - member.Since >= _options.RemoveDownAfter)
            {
                MembershipSnapshot current, next;
                do
                {
                    current = Volatile.Read(ref _snapshot);
                    next = current.Without(member.Id);
                }
                while (Interlocked.CompareExchange(ref _snapshot, next, current) != current);

                _lastNotified.Remove(member.Id);
                _dirty = true;
                Log.MemberRemoved(_logger, member.Id, member.Status, member.Since);
                Publish(next);
            }
        }
    }

    private async Task PersistAsync(CancellationToken ct)
    {
        if (_store is null || !_dirty)
        {
            return;
        }

        var members = Current.Members;
        try
        {
            await _store.SaveAsync(members, ct).ConfigureAwait(false);
            _dirty = false;
            _lastPersist = _time.GetUtcNow();
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            Log.PersistFailed(_logger, ex, members.Count);
        }
    }

    private async Task LeaveAsync()
    {
        _leaving = true;
        var active = Current.Members.Where(m => m.IsActive).Select(m => (EndPoint)m.Member.Address).ToList();
        // Stopped just after joining, before any answer came back: the join targets already count this node as
        // alive, so they are told too (else they would wait for probes to fail and mark it down, not left).
        var recipients = Sample(active.Count > 0 ? active : [.. _joinTargets], MaxLeaveRecipients);
        Log.Leaving(_logger, recipients.Count);
        using var timeout = new CancellationTokenSource(_options.LeaveTimeout, _time);
        try
        {
            foreach (var recipient in recipients)
            {
                await SendAsync(recipient, SwimMessageKind.Leave, 0, null, SelfState(MemberStatus.Left), timeout.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            // Leaving is best effort; the rest will find out through probes.
        }
    }

    // ---- sending ----

    /// <summary>
    /// Sends one message with as many piggybacked updates as fit: <paramref name="first"/> (if any), then pending
    /// updates.
    /// </summary>
    private async Task SendAsync(EndPoint destination, SwimMessageKind kind, uint probeNumber, Member? target, MemberState? first, CancellationToken ct)
    {
        var updates = new List<MemberState>();
        var header = new SwimMessage(kind, _options.ClusterId, Self, _incarnation, probeNumber, target, updates);
        var budget = _packetSize - SwimCodec.HeaderLength(header);
        if (first is not null)
        {
            updates.Add(first with { Since = default });
            budget -= SwimCodec.UpdateLength(first);
        }

        _updates.Take(updates, budget);
        await SendEncodedAsync(destination, header, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Answers an announce with every active member this node knows (the requester excepted), split over as many feed
    /// datagrams as needed (at most <see cref="MaxFeedDatagrams"/>): the first also carries <paramref name="notice"/>
    /// and pending updates. A joiner thus learns the whole cluster from its seed at once; with one datagram it learned
    /// about 20 members and found the rest only as each of them probed it (n probe periods in the worst case), and two
    /// members that were both missed by the join dissemination never learned of each other at all.
    /// </summary>
    private async Task SendFeedAsync(Member requester, MemberState? notice, CancellationToken ct)
    {
        var known = Current.Members.Where(m => m.IsActive && m.Id != requester.Id).ToList();
        Shuffle(known);
        var next = 0;
        for (var datagram = 0; datagram < MaxFeedDatagrams; datagram++)
        {
            var updates = new List<MemberState>();
            var header = new SwimMessage(SwimMessageKind.Feed, _options.ClusterId, Self, _incarnation, 0, null, updates);
            var budget = _packetSize - SwimCodec.HeaderLength(header);
            if (datagram == 0)
            {
                if (notice is not null)
                {
                    updates.Add(notice with { Since = default });
                    budget -= SwimCodec.UpdateLength(notice);
                }

                budget -= _updates.Take(updates, budget);
            }

            for (; next < known.Count; next++)
            {
                var member = known[next];
                var length = SwimCodec.UpdateLength(member);
                if (length > budget || updates.Count >= SwimCodec.MaxUpdates)
                {
                    break;
                }

                if (!updates.Exists(u => u.Id == member.Id))
                {
                    updates.Add(member with { Since = default });
                    budget -= length;
                }
            }

            await SendEncodedAsync(requester.Address, header, ct).ConfigureAwait(false);
            if (next >= known.Count)
            {
                return;
            }
        }
    }

    private async Task SendEncodedAsync(EndPoint destination, SwimMessage message, CancellationToken ct)
    {
        var payload = SwimCodec.Encode(message);
        try
        {
            await _transport.SendDatagramAsync(destination, payload, ct).ConfigureAwait(false);
            Interlocked.Increment(ref _sent);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            Interlocked.Increment(ref _sendFailures);
            Log.SendFailed(_logger, ex, message.Kind.ToString(), destination);
        }
    }

    private List<T> Sample<T>(List<T> items, int count)
    {
        Shuffle(items);
        return items.Count <= count ? items : items.GetRange(0, count);
    }

    private void Shuffle<T>(List<T> items)
    {
        for (var i = items.Count - 1; i > 0; i--)
        {
            var j = _random.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    private enum SwimEventKind
    {
        Start,
        Message,
        ProbeTick,
        ProbeRtt,
        GossipTick,
        AnnounceTick,
        SuspicionExpired,
        AddJoinTargets,
    }

    private readonly record struct SwimEvent(SwimEventKind Kind, SwimMessage? Message = null, uint Number = 0, ActorId Actor = default, IReadOnlyList<EndPoint>? Targets = null);

    private sealed record Probe(uint Number, Member Target, bool Acked);

    private readonly record struct Relay(EndPoint Requester, uint RequesterProbe, ActorId Target, DateTimeOffset Expires);

    private readonly record struct Suspicion(ITimer Timer, DateTimeOffset StartedAt, uint Incarnation, DateTimeOffset Deadline);
}
