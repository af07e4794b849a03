package io.strata.router.internal.reshard;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.strata.router.ShardMap;
import io.strata.router.reshard.MovePlan;
import io.strata.router.reshard.MoveStatus;
import io.strata.router.reshard.MoveStatus.Phase;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives moves through their phases (reshard design sections 3, 4, 8): PLANNED -> COPYING ->
 * CATCHUP -> VERIFIED -> FENCED -> SWITCHED -> CLEANUP -> DONE, or ABORTED. Every phase is
 * recorded in the journal before its effects are relied on, and every step is idempotent, so a
 * mover killed anywhere is resumed by {@link #resume()}: before SWITCHED it rolls back the cutover
 * in progress (unfence) and continues from VERIFIED, at or after SWITCHED it only rolls forward.
 *
 * <p>Concurrency: one mover per move. Each call that drives a move holds a session advisory lock
 * on the metadata shard for that move; a second mover gets SR023, and a mover killed with
 * {@code kill -9} loses its lock with its connection.
 */
public final class Mover {

    /** The SQLState of a rejected or failed move. */
    public static final String MOVE_FAILED = "SR023";

    /** Called as a move enters each phase (tests stop the mover at a chosen point). */
    public interface Listener {
        void phase(String moveId, Phase phase);
    }

    private static final Logger log = LoggerFactory.getLogger(Mover.class);

    /** Cutover attempts per move before {@link #cutover} gives up (each bounded by cutoverDeadline). */
    static final int CUTOVER_ATTEMPTS = 3;

    private final Map<String, ShardEndpoint> endpoints;
    private final MoverTables tables;
    private final MoverSettings settings;
    private final Journal journal;
    private final CopyPhase copy;
    private final Listener listener;
    private final Map<String, AtomicLong> rowsCopied = new ConcurrentHashMap<>();
    private final Counter copiedRows;
    private final Counter aborts;
    private final Timer fencePause;

    public Mover(
            Map<String, ShardEndpoint> endpoints,
            MoverTables tables,
            MoverSettings settings,
            MeterRegistry registry,
            Listener listener) {
        this.endpoints = Map.copyOf(endpoints);
        this.tables = Objects.requireNonNull(tables, "tables cannot be null");
        this.settings = Objects.requireNonNull(settings, "settings cannot be null");
        this.listener = Objects.requireNonNull(listener, "listener cannot be null");
        ShardEndpoint meta = endpoints.get(settings.metadataShard());
        if (meta == null) {
            throw new IllegalArgumentException(
                    "metadataShard " + settings.metadataShard() + " is not one of the shards " + endpoints.keySet());
        }
        this.journal = new Journal(meta);
        this.copy = new CopyPhase(tables, settings);
        this.copiedRows = Counter.builder("strata.reshard.rows.copied")
                .description("rows the mover's targets received")
                .register(registry);
        this.aborts = Counter.builder("strata.reshard.cutover.aborts")
                .description("cutovers rolled back because the drain exceeded the deadline")
                .register(registry);
        this.fencePause = Timer.builder("strata.reshard.cutover.fenced")
                .description("how long the moving slots were fenced at cutover")
                .register(registry);
        registry.gauge("strata.reshard.moves.active", this, m -> m.activeMoves());
    }

    static SQLException rejected(String message) {
        return new SQLException("Strata: " + message, MOVE_FAILED);
    }

    private double activeMoves() {
        try {
            return journal.entries(false).size();
        } catch (SQLException e) {
            return Double.NaN;
        }
    }

    MoverSettings settings() {
        return settings;
    }

    private ShardEndpoint endpoint(String shard) throws SQLException {
        ShardEndpoint e = endpoints.get(shard);
        if (e == null) {
            throw rejected("shard " + shard + " is not configured (known: " + endpoints.keySet() + ")");
        }
        return e;
    }

    // ---------------------------------------------------------------- plan

    /**
     * Plans "add shards": each new shard takes the upper half of the slots of one current owner,
     * the owners taken in map order.
     */
    public MovePlan planAddShards(String planId, List<String> newShards) throws SQLException {
        MetaInstall.installMetadata(journal.endpoint());
        journal.install();
        MetaStore.MapEpoch epoch;
        try (Connection meta = journal.endpoint().connect()) {
            epoch = MoverMap.current(meta);
        }
        if (epoch == null) {
            throw rejected("the shard map is empty; start a member with resharding enabled first");
        }
        ShardMap map = epoch.map();
        List<String> owners = new ArrayList<>();
        for (String s : map.shards()) {
            if (!MoverMap.rangesOf(map, s).isEmpty()) {
                owners.add(s);
            }
        }
        if (newShards.isEmpty() || newShards.size() > owners.size()) {
            throw rejected("add shards takes one new shard per current owner (at most " + owners.size() + ") but got "
                    + newShards);
        }
        List<MovePlan.Move> moves = new ArrayList<>();
        for (int i = 0; i < newShards.size(); i++) {
            String target = newShards.get(i);
            endpoint(target);
            if (!MoverMap.rangesOf(map, target).isEmpty()) {
                throw rejected("shard " + target + " already owns slots; add shards takes shards that own none");
            }
            String source = owners.get(i);
            List<Integer> slots = new ArrayList<>();
            for (MovePlan.SlotRange r : MoverMap.rangesOf(map, source)) {
                for (int s = r.lo(); s <= r.hi(); s++) {
                    slots.add(s);
                }
            }
            if (slots.size() < 2) {
                throw rejected("shard " + source + " owns " + slots.size() + " slot(s); nothing to halve");
            }
            List<Integer> upper = slots.subList(slots.size() - slots.size() / 2, slots.size());
            moves.add(new MovePlan.Move(planId + "_" + i, source, target, ranges(upper), true));
        }
        return MovePlan.of(planId, moves);
    }

    private static List<MovePlan.SlotRange> ranges(List<Integer> sorted) {
        List<MovePlan.SlotRange> out = new ArrayList<>();
        int lo = sorted.get(0);
        int prev = lo;
        for (int i = 1; i < sorted.size(); i++) {
            int s = sorted.get(i);
            if (s != prev + 1) {
                out.add(new MovePlan.SlotRange(lo, prev));
                lo = s;
            }
            prev = s;
        }
        out.add(new MovePlan.SlotRange(lo, prev));
        return out;
    }

    // ---------------------------------------------------------------- start: copy begins

    /**
     * Journals the plan and starts every move's copy (publication, subscription, filter); returns
     * once the subscriptions exist. The copy and catch-up run on the servers.
     */
    public void start(MovePlan plan) throws SQLException {
        journal.install();
        for (MovePlan.Move m : plan.moves()) {
            endpoint(m.source());
            endpoint(m.target());
        }
        journal.insert(plan);
        for (MovePlan.Move m : plan.moves()) {
            startCopy(m, false);
        }
    }

    private void startCopy(MovePlan.Move m, boolean resumed) throws SQLException {
        ShardEndpoint src = endpoint(m.source());
        try (Connection source = src.connect();
                Connection target = endpoint(m.target()).connect();
                Connection meta = journal.endpoint().connect()) {
            MetaInstall.install(src);
            MetaInstall.install(endpoint(m.target()));
            copy.checkSchema(source, target, m, resumed);
            MetaStore.MapEpoch map = MoverMap.current(meta);
            long epoch = map == null ? 0 : map.epoch();
            long total = copy.rows(source, m);
            copy.start(source, target, src, m, epoch);
            journal.progress(m.id(), total, 0);
            if (journal.advance(m.id(), Phase.PLANNED, Phase.COPYING)) {
                listener.phase(m.id(), Phase.COPYING);
            }
            log.info(
                    "move {}: copying {} row(s), slots {} {} -> {}",
                    m.id(),
                    total,
                    m.rangesText(),
                    m.source(),
                    m.target());
        }
    }

    // ---------------------------------------------------------------- catch-up

    /** Polls every copying move once: marks it CATCHUP once its tables are copied; records progress. */
    public void poll() throws SQLException {
        for (Journal.Entry e : journal.entries(false)) {
            MovePlan.Move m = e.move();
            if (e.phase() != Phase.COPYING && e.phase() != Phase.CATCHUP) {
                continue;
            }
            try (Connection target = endpoint(m.target()).connect()) {
                long copied = copy.rows(target, m);
                AtomicLong last = rowsCopied.computeIfAbsent(m.id(), k -> new AtomicLong());
                long before = last.getAndSet(copied);
                if (copied > before) {
                    copiedRows.increment(copied - before);
                }
                journal.progress(m.id(), e.rowsTotal(), copied);
                if (e.phase() == Phase.COPYING && CopyPhase.copied(target, m)) {
                    if (journal.advance(m.id(), Phase.COPYING, Phase.CATCHUP)) {
                        listener.phase(m.id(), Phase.CATCHUP);
                        log.info("move {}: copy done ({} rows), catching up", m.id(), copied);
                    }
                }
            }
        }
    }

    /** Waits until every move of the plan is at least in CATCHUP and its lag is drained once. */
    public void awaitCatchUp(String planId, Duration timeout) throws SQLException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, String> catchUpTargets = new java.util.HashMap<>();
        while (true) {
            poll();
            boolean all = true;
            for (Journal.Entry e : planEntries(planId)) {
                if (e.phase() == Phase.PLANNED || e.phase() == Phase.COPYING) {
                    all = false;
                } else if (e.phase() == Phase.CATCHUP) {
                    // Under a steady write load the slot never confirms the position read this very
                    // moment: take one position and wait for it.
                    String lsn = catchUpTargets.computeIfAbsent(e.move().id(), id -> {
                        try (Connection source = endpoint(e.move().source()).connect()) {
                            return CopyPhase.currentLsn(source);
                        } catch (SQLException ex) {
                            return "";
                        }
                    });
                    try (Connection source = endpoint(e.move().source()).connect()) {
                        if (lsn.isEmpty() || !CopyPhase.confirmed(source, e.move(), lsn)) {
                            all = false;
                            if (lsn.isEmpty()) {
                                catchUpTargets.remove(e.move().id());
                            }
                        }
                    }
                }
            }
            if (all) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw rejected("plan " + planId + " did not catch up within " + timeout + "; see status");
            }
            pause(Duration.ofMillis(200));
        }
    }

    private List<Journal.Entry> planEntries(String planId) throws SQLException {
        List<Journal.Entry> out = new ArrayList<>();
        for (Journal.Entry e : journal.entries(true)) {
            if (e.planId().equals(planId)) {
                out.add(e);
            }
        }
        if (out.isEmpty()) {
            throw rejected("no plan " + planId + " in the journal");
        }
        return out;
    }

    // ---------------------------------------------------------------- verify

    /** Verifies every caught-up move of the plan (chunked checksums, resumable); marks it VERIFIED. */
    public void verify(String planId) throws SQLException {
        for (Journal.Entry e : planEntries(planId)) {
            if (e.phase() != Phase.CATCHUP) {
                continue;
            }
            try (MoverLock lock = MoverLock.take(journal.endpoint(), e.move().id())) {
                new Verify(tables, settings, journal)
                        .run(endpoint(e.move().source()), endpoint(e.move().target()), e);
                if (journal.advance(e.move().id(), Phase.CATCHUP, Phase.VERIFIED)) {
                    listener.phase(e.move().id(), Phase.VERIFIED);
                }
            }
        }
    }

    // ---------------------------------------------------------------- cutover

    /**
     * Cuts over every verified move of the plan, one after another, then cleans up. A cutover
     * whose drain exceeds the deadline is rolled back (writes resume on the source, the move goes
     * back to VERIFIED: the subscription keeps it in step) and tried again, up to
     * {@value #CUTOVER_ATTEMPTS} times, then reported with SR023.
     */
    public void cutover(String planId) throws SQLException {
        for (Journal.Entry e : planEntries(planId)) {
            if (e.phase() == Phase.VERIFIED) {
                // A busy source may miss the deadline once; the fence is lifted each time, so
                // trying again costs the writers of the moving slots at most one more deadline.
                for (int attempt = 1; ; attempt++) {
                    try {
                        cutoverOne(e.move());
                        // Finish (epoch N+2 clears `moving`) before the next move's fence: a member
                        // waiting on this move's moving slots inside a transaction may hold an xid on
                        // the next source, which that fence would wait for.
                        finish(Objects.requireNonNull(journal.entry(e.move().id())));
                        break;
                    } catch (SQLException ex) {
                        if (attempt >= CUTOVER_ATTEMPTS
                                || !String.valueOf(ex.getMessage()).contains("cutover aborted")) {
                            throw ex;
                        }
                        log.warn(
                                "move {}: {}; trying again ({}/{})",
                                e.move().id(),
                                ex.getMessage(),
                                attempt + 1,
                                CUTOVER_ATTEMPTS);
                    }
                }
            }
        }
        for (Journal.Entry e : planEntries(planId)) {
            if (e.phase().switched() && e.phase() != Phase.DONE) {
                finish(e);
            }
        }
    }

    private void cutoverOne(MovePlan.Move m) throws SQLException {
        try (MoverLock lock = MoverLock.take(journal.endpoint(), m.id());
                Connection source = endpoint(m.source()).connect();
                Connection target = endpoint(m.target()).connect();
                Connection meta = journal.endpoint().connect()) {
            List<String> broadcast = m.newShard() ? tables.broadcast() : List.of();
            MetaStore.MapEpoch map = MoverMap.current(meta);
            if (map == null) {
                throw rejected("the shard map is empty on the metadata shard");
            }
            if (!journal.advance(m.id(), Phase.VERIFIED, Phase.FENCED)) {
                throw rejected("move " + m.id() + " is not VERIFIED");
            }
            // Catch up just before fencing, so the fenced drain has only the last moments to apply.
            long catchUpUntil = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            String before = CopyPhase.currentLsn(source);
            while (settings.drain() && !CopyPhase.confirmed(source, m, before) && System.nanoTime() < catchUpUntil) {
                pause(settings.poll());
            }
            long t0 = System.nanoTime();
            long deadline = t0 + settings.cutoverDeadline().toNanos();
            String xmax = Fence.fence(source, tables, m.ranges(), broadcast, settings.slots(), map.epoch());
            // The source's clock just after the fence committed, and once every older transaction
            // ended (from then on no write to the moved slots may commit on the source); recorded
            // in the journal with the switch, for audits.
            String fenceCommittedAt = Objects.requireNonNull(Sql.string(source, "SELECT clock_timestamp()::text"));
            String fenceCompleteAt = fenceCommittedAt;
            listener.phase(m.id(), Phase.FENCED);
            boolean drained = false;
            String step = "waiting for transactions older than the fence";
            try {
                while (!Fence.olderTransactionsEnded(source, xmax)) {
                    if (System.nanoTime() > deadline) {
                        break;
                    }
                    pause(settings.poll());
                }
                if (System.nanoTime() <= deadline) {
                    fenceCompleteAt = Objects.requireNonNull(Sql.string(source, "SELECT clock_timestamp()::text"));
                    step = "draining the subscription";
                    String lsn = CopyPhase.currentLsn(source);
                    while (settings.drain() && !CopyPhase.confirmed(source, m, lsn)) {
                        if (System.nanoTime() > deadline) {
                            break;
                        }
                        pause(settings.poll());
                    }
                    drained = System.nanoTime() <= deadline;
                }
                if (!drained) {
                    if (step.startsWith("waiting")) {
                        step += " (" + Fence.olderTransactions(source, xmax) + ")";
                    }
                    Fence.unfence(source, tables, m.ranges(), broadcast, settings.slots());
                    Journal.advance(meta, m.id(), Phase.FENCED, Phase.VERIFIED);
                    journal.error(
                            m.id(),
                            "cutover aborted: the drain exceeded cutoverDeadline " + settings.cutoverDeadline()
                                    + " while " + step + " (a long transaction on " + m.source()
                                    + "?); writes resumed on the source");
                    aborts.increment();
                    fencePause.record(Duration.ofNanos(System.nanoTime() - t0));
                    listener.phase(m.id(), Phase.VERIFIED);
                    throw rejected("move " + m.id() + ": cutover aborted, the drain exceeded cutoverDeadline "
                            + settings.cutoverDeadline() + " while " + step + "; writes resumed on " + m.source()
                            + "; the move is back in VERIFIED (the subscription keeps it in step): end long"
                            + " transactions on the source and run cutover again, or abort");
                }
                String targetLsn = CopyPhase.currentLsn(target);
                meta.setAutoCommit(false);
                long epoch;
                try {
                    epoch = MoverMap.switchOwner(meta, m, targetLsn);
                    if (!Journal.advance(meta, m.id(), Phase.FENCED, Phase.SWITCHED)) {
                        throw rejected("move " + m.id() + " left FENCED under the mover");
                    }
                    Sql.update(
                            meta,
                            "UPDATE strata_meta.moves SET switch_epoch = ?, fence_committed_at = ?::timestamptz,"
                                    + " fence_complete_at = ?::timestamptz WHERE move_id = ?",
                            epoch,
                            fenceCommittedAt,
                            fenceCompleteAt,
                            m.id());
                    meta.commit();
                } catch (SQLException ex) {
                    meta.rollback();
                    throw ex;
                } finally {
                    meta.setAutoCommit(true);
                }
                log.info(
                        "move {}: switched at epoch {} after {} ms fenced",
                        m.id(),
                        epoch,
                        (System.nanoTime() - t0) / 1_000_000);
                listener.phase(m.id(), Phase.SWITCHED);
            } catch (SQLException ex) {
                if (!drained && Phase.FENCED == phaseOf(m.id())) {
                    // Anything failing before the switch: lift the fence so writes resume on the source.
                    Fence.unfence(source, tables, m.ranges(), broadcast, settings.slots());
                    journal.advance(m.id(), Phase.FENCED, Phase.VERIFIED);
                }
                throw ex;
            }
        }
    }

    private @Nullable Phase phaseOf(String moveId) throws SQLException {
        Journal.Entry e = journal.entry(moveId);
        return e == null ? null : e.phase();
    }

    /**
     * Rolls a switched move forward: disown on the source, the target owns its slots, drop the
     * subscription, wait for the members, clear {@code moving}, lift the broadcast fence, delete
     * the moved rows from the source, drop the publication, DONE. Idempotent.
     */
    private void finish(Journal.Entry e) throws SQLException {
        MovePlan.Move m = e.move();
        try (MoverLock lock = MoverLock.take(journal.endpoint(), m.id());
                Connection source = endpoint(m.source()).connect();
                Connection target = endpoint(m.target()).connect();
                Connection meta = journal.endpoint().connect()) {
            long switchEpoch = Objects.requireNonNull(
                    Objects.requireNonNull(journal.entry(m.id())).switchEpoch(), "switch epoch");
            Phase phase = Objects.requireNonNull(phaseOf(m.id()));
            List<String> broadcast = m.newShard() ? tables.broadcast() : List.of();
            if (phase == Phase.SWITCHED) {
                Fence.disown(source, tables, m.ranges(), switchEpoch);
                CopyPhase.dropSubscription(target, source, m);
                stopKeepingIncoming(target);
                long t0 = System.nanoTime();
                double leaseSeconds = settings.lease().toMillis() / 1000.0;
                long waitNanos = settings.lease().plus(settings.maxClockSkew()).toNanos();
                while (MoverMap.membersBehind(meta, switchEpoch, leaseSeconds) > 0
                        && System.nanoTime() - t0 < waitNanos) {
                    pause(settings.poll());
                }
                meta.setAutoCommit(false);
                try {
                    MoverMap.clearMoving(meta, m);
                    Journal.advance(meta, m.id(), Phase.SWITCHED, Phase.CLEANUP);
                    meta.commit();
                } catch (SQLException ex) {
                    meta.rollback();
                    throw ex;
                } finally {
                    meta.setAutoCommit(true);
                }
                listener.phase(m.id(), Phase.CLEANUP);
                phase = Phase.CLEANUP;
            }
            if (phase == Phase.CLEANUP) {
                Fence.unfence(source, new MoverTables(List.of(), List.of()), m.ranges(), broadcast, settings.slots());
                Map<String, Long> deleted = CopyPhase.deleteRows(
                        source, tables, m.ranges(), List.of(), settings.deleteBatch(), settings.slots(), null);
                CopyPhase.dropPublication(source, m);
                journal.advance(m.id(), Phase.CLEANUP, Phase.DONE);
                listener.phase(m.id(), Phase.DONE);
                log.info("move {}: done; deleted from {}: {}", m.id(), m.source(), deleted);
            }
        }
    }

    /** Lifts the target's 'incoming' fences of the sharded tables and drops its keep_incoming trigger. */
    private void stopKeepingIncoming(Connection target) throws SQLException {
        Sql.update(
                target,
                "DELETE FROM strata_meta.slot_fence WHERE reason = 'incoming' AND table_name = ANY(?)",
                target.createArrayOf(
                        "text",
                        tables.sharded().stream()
                                .map(MoverTables.Sharded::table)
                                .toArray()));
        copy.dropKeepIncoming(target);
    }

    // ---------------------------------------------------------------- abort and resume

    /** Aborts every move of the plan that has not switched; switched moves are rolled forward instead. */
    public void abort(String planId) throws SQLException {
        for (Journal.Entry e : planEntries(planId)) {
            if (e.phase().finished()) {
                continue;
            }
            if (e.phase().switched()) {
                finish(e);
            } else {
                abortOne(e.move(), e.phase());
            }
        }
    }

    private void abortOne(MovePlan.Move m, Phase phase) throws SQLException {
        try (MoverLock lock = MoverLock.take(journal.endpoint(), m.id());
                Connection source = endpoint(m.source()).connect();
                Connection target = endpoint(m.target()).connect()) {
            List<String> broadcast = m.newShard() ? tables.broadcast() : List.of();
            Fence.unfence(source, tables, m.ranges(), broadcast, settings.slots());
            CopyPhase.dropSubscription(target, source, m);
            CopyPhase.dropPublication(source, m);
            CopyPhase.deleteRows(target, tables, m.ranges(), broadcast, settings.deleteBatch(), settings.slots(), null);
            stopKeepingIncoming(target);
            journal.advance(m.id(), phase, Phase.ABORTED);
            listener.phase(m.id(), Phase.ABORTED);
            log.info("move {}: aborted in {}", m.id(), phase);
        }
    }

    /**
     * After a crash: every unfinished move is continued. A cutover in progress (FENCED) is rolled
     * back to VERIFIED (the fence lifted), then the move goes on; switched moves roll forward.
     */
    public void resume() throws SQLException {
        journal.install();
        for (Journal.Entry e : journal.entries(false)) {
            MovePlan.Move m = e.move();
            switch (e.phase()) {
                case PLANNED, COPYING -> {
                    if (e.phase() == Phase.PLANNED) {
                        startCopy(m, true);
                    }
                }
                case FENCED -> {
                    try (MoverLock lock = MoverLock.take(journal.endpoint(), m.id());
                            Connection source = endpoint(m.source()).connect()) {
                        Fence.unfence(
                                source,
                                tables,
                                m.ranges(),
                                m.newShard() ? tables.broadcast() : List.of(),
                                settings.slots());
                        journal.advance(m.id(), Phase.FENCED, Phase.VERIFIED);
                        log.info("move {}: resumed a cutover in progress by lifting its fence", m.id());
                    }
                }
                case SWITCHED, CLEANUP -> finish(e);
                default -> {}
            }
        }
    }

    /** Runs a plan to the end: start (unless journaled), catch up, verify, cut over. */
    public void run(MovePlan plan, Duration catchUpTimeout) throws SQLException {
        if (journal.entries(true).stream().noneMatch(e -> e.planId().equals(plan.id()))) {
            start(plan);
        }
        resume();
        awaitCatchUp(plan.id(), catchUpTimeout);
        verify(plan.id());
        cutover(plan.id());
    }

    // ---------------------------------------------------------------- status

    /** Every move in the journal (finished ones too), with live lag and rates. */
    public List<MoveStatus> status() throws SQLException {
        journal.install();
        List<MoveStatus> out = new ArrayList<>();
        for (Journal.Entry e : journal.entries(true)) {
            MovePlan.Move m = e.move();
            long lag = -1;
            if (!e.phase().finished() && !e.phase().switched()) {
                try (Connection source = endpoint(m.source()).connect()) {
                    lag = CopyPhase.lagBytes(source, m);
                } catch (SQLException ex) {
                    lag = -1;
                }
            }
            double rate = e.secondsSinceStart() > 0 ? e.rowsCopied() / e.secondsSinceStart() : 0;
            Duration eta = null;
            if (e.phase() == Phase.COPYING && rate > 0 && e.rowsTotal() > e.rowsCopied()) {
                eta = Duration.ofMillis((long) ((e.rowsTotal() - e.rowsCopied()) / rate * 1000));
            } else if (e.phase().compareTo(Phase.COPYING) > 0) {
                eta = Duration.ZERO;
            }
            out.add(new MoveStatus(
                    m.id(),
                    e.planId(),
                    m.source(),
                    m.target(),
                    m.rangesText(),
                    e.phase(),
                    e.rowsTotal(),
                    e.rowsCopied(),
                    rate,
                    lag,
                    eta,
                    e.error()));
        }
        return out;
    }

    static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("mover interrupted", e);
        }
    }
}
