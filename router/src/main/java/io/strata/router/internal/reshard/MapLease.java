package io.strata.router.internal.reshard;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.strata.replication.ConsistencyToken;
import io.strata.router.ShardMap;
import io.strata.router.internal.SqlStates;
import io.strata.router.internal.reshard.MetaStore.MapEpoch;
import io.strata.router.internal.reshard.MetaStore.MovingRange;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A member's view of the versioned shard map (design sections 5-7): the current epoch read from the
 * metadata shard, swapped in by one daemon refresher thread every {@code refresh} (every
 * {@value #FAST_REFRESH_MILLIS} ms while a statement waits on a fenced or moving slot), trusted for
 * {@code lease} from the moment its refresh query was sent.
 *
 * <p>Concurrency: {@link #state} and {@link #leaseUntil} are volatile and replaced whole by the
 * refresher; statements read them without locking (one volatile read each, nothing allocated). A
 * statement that finds the lease expired waits up to {@code fenceWait} for a refresh, then fails
 * with SQLState SR022.
 */
public final class MapLease implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MapLease.class);

    /** The refresh interval while a statement waits on a fence. */
    static final long FAST_REFRESH_MILLIS = 20;

    /**
     * The name of the virtual shard that owns the moving slots in the {@linkplain State#writeMap
     * write map}: a write routed there waits for the move to finish.
     */
    public static final String MOVING = "(moving)";

    /**
     * What a member needs to run a lease.
     *
     * @param names the configured shards, in routing order (the map's shards must be among them)
     * @param metadataShard index into {@code names} of the shard holding {@code strata_meta.shard_map}
     * @param memberId this member's row in {@code strata_meta.members}
     */
    public record Options(
            List<String> names,
            int metadataShard,
            String memberId,
            Duration refresh,
            Duration lease,
            Duration fenceWait) {
        /** Checks and copies. */
        public Options {
            names = List.copyOf(names);
            Objects.requireNonNull(memberId, "memberId cannot be null");
            Objects.requireNonNull(refresh, "refresh cannot be null");
            Objects.requireNonNull(lease, "lease cannot be null");
            Objects.requireNonNull(fenceWait, "fenceWait cannot be null");
            if (metadataShard < 0 || metadataShard >= names.size()) {
                throw new IllegalArgumentException("metadataShard must index a shard but was " + metadataShard);
            }
        }
    }

    /**
     * One epoch as this member routes it.
     *
     * @param readMap owners by slot, over the configured shard names (spare shards own nothing)
     * @param writeMap as {@code readMap}, with the moving slots owned by the extra shard
     *     {@link #MOVING} at index {@code names.size()} (the same object when nothing moves)
     * @param switchLsn per shard index, the target's WAL position at its latest switch, or -1
     * @param switchSeenNanos per shard index, when this member first saw that switch LSN
     */
    public record State(MapEpoch epoch, ShardMap readMap, ShardMap writeMap, long[] switchLsn, long[] switchSeenNanos) {

        /** Whether slots are moving (DDL refused, writes to them fenced). */
        public boolean moving() {
            return !epoch.moving().isEmpty();
        }
    }

    private final Options options;
    private final MetaStore store;
    private final LongSupplier nanoTime;
    private final long refreshNanos;
    private final long leaseNanos;
    private final long fenceWaitNanos;
    private final Counter refreshes;
    private final Counter movedRetries;
    private final Counter leaseExpired;
    private final Counter refreshFailures;

    private volatile State state;
    private volatile boolean moveInProgress;
    private volatile long leaseUntil;
    private volatile long completed;
    private volatile boolean closed;
    private final java.util.concurrent.atomic.AtomicInteger waiters = new java.util.concurrent.atomic.AtomicInteger();
    private final Object wake = new Object();
    private boolean wakeRequested; // guarded by wake
    private final Thread refresher;

    private MapLease(Options options, MetaStore store, State first, long firstSent, MeterRegistry registry) {
        this.options = options;
        this.store = store;
        this.nanoTime = System::nanoTime;
        this.refreshNanos = options.refresh().toNanos();
        this.leaseNanos = options.lease().toNanos();
        this.fenceWaitNanos = options.fenceWait().toNanos();
        this.state = first;
        this.leaseUntil = firstSent + leaseNanos;
        Gauge.builder("strata.router.map.epoch", this, l -> l.state.epoch().epoch())
                .description("the shard-map epoch this member routes with")
                .register(registry);
        this.refreshes = Counter.builder("strata.router.map.refreshes")
                .description("shard-map refreshes that completed")
                .register(registry);
        this.refreshFailures = Counter.builder("strata.router.map.refresh.failures")
                .description("shard-map refreshes that failed (metadata shard unreachable)")
                .register(registry);
        this.movedRetries = Counter.builder("strata.router.map.moved.retries")
                .description("statements retried after a slot moved or was fenced (SR020)")
                .register(registry);
        this.leaseExpired = Counter.builder("strata.router.map.lease.expired")
                .description("statements refused because the shard-map lease expired (SR022)")
                .register(registry);
        this.refresher = new Thread(this::run, "strata-map-refresh-" + options.memberId());
        refresher.setDaemon(true);
    }

    /**
     * Installs the schema (metadata shard and every shard), seeds epoch 1 from {@code seed} when
     * the map is empty (compare-and-set, so concurrent first starts agree), reads the current map
     * and starts the refresher.
     *
     * @throws SQLException when the metadata shard cannot be read or its map names unknown shards
     */
    public static MapLease start(Options options, List<DataSource> shards, ShardMap seed, MeterRegistry registry)
            throws SQLException {
        MetaStore store = new MetaStore(shards.get(options.metadataShard()));
        store.installMetadataSchema();
        for (int i = 0; i < shards.size(); i++) {
            if (i != options.metadataShard()) {
                MetaStore.installShardSchema(shards.get(i));
            }
        }
        long sent = System.nanoTime();
        MapEpoch current = store.read();
        if (current == null) {
            store.compareAndSet(0, MapEpoch.of(1, seed)); // false: another member seeded first
            current = store.read();
            if (current == null) {
                throw new SQLException(
                        "Strata: strata_meta.shard_map is still empty after seeding epoch 1",
                        SqlStates.MAP_LEASE_EXPIRED);
            }
        }
        State first = build(options.names(), current, null, sent);
        store.touch(options.memberId(), current.epoch());
        MapLease lease = new MapLease(options, store, first, sent, registry);
        lease.refresher.start();
        return lease;
    }

    /** The metadata store this lease reads. */
    public MetaStore store() {
        return store;
    }

    /** The state last swapped in, without a lease check (for reporting). */
    public State peek() {
        return state;
    }

    /**
     * The state to route with: the current one while the lease holds; else waits up to
     * {@code fenceWait} for a refresh.
     *
     * @throws SQLException SR022 when no refresh came within {@code fenceWait}
     */
    public State current() throws SQLException {
        if (nanoTime.getAsLong() - leaseUntil < 0) {
            return state;
        }
        return awaitLease();
    }

    private State awaitLease() throws SQLException {
        long deadline = nanoTime.getAsLong() + fenceWaitNanos;
        waiters.incrementAndGet();
        try {
            wake();
            while (nanoTime.getAsLong() - leaseUntil >= 0) {
                if (nanoTime.getAsLong() - deadline >= 0 || closed) {
                    leaseExpired.increment();
                    throw new SQLException(
                            "Strata: the shard-map lease of member " + options.memberId()
                                    + " expired: the map could not"
                                    + " be refreshed from metadata shard "
                                    + options.names().get(options.metadataShard())
                                    + " within lease " + options.lease() + " (waited fenceWait " + options.fenceWait()
                                    + "); nothing was sent. Check that the metadata shard's primary is reachable, then"
                                    + " retry.",
                            SqlStates.MAP_LEASE_EXPIRED);
                }
                LockSupport.parkNanos(2_000_000);
            }
            return state;
        } finally {
            waiters.decrementAndGet();
        }
    }

    /**
     * Waits until a refresh that began after this call completes (at most until {@code deadline},
     * a {@link System#nanoTime} value), refreshing every {@value #FAST_REFRESH_MILLIS} ms meanwhile.
     * Returns false when the deadline passed first.
     */
    public boolean awaitRefresh(long deadline) {
        long target = completed + 2; // one refresh may be in flight, begun before this call
        waiters.incrementAndGet();
        try {
            wake();
            while (completed < target) {
                if (nanoTime.getAsLong() - deadline >= 0 || closed) {
                    return false;
                }
                LockSupport.parkNanos(2_000_000);
            }
            return true;
        } finally {
            waiters.decrementAndGet();
        }
    }

    /**
     * Whether DDL must be refused (SR021): the state's map has {@code moving} set, or the mover's
     * journal had a move in progress at the last refresh.
     */
    public boolean ddlRefused(State s) {
        return s.moving() || moveInProgress;
    }

    /** The deadline ({@link System#nanoTime}) of a wait on a fence that begins now. */
    public long fenceDeadline() {
        return nanoTime.getAsLong() + fenceWaitNanos;
    }

    /** The fence wait, for messages. */
    public Duration fenceWait() {
        return options.fenceWait();
    }

    /** Counts a statement retried after SR020. */
    public void countRetry() {
        movedRetries.increment();
    }

    /** Refreshes now, on the caller's thread (tests, {@code ShardingDataSource.refreshShardMap}). */
    public void refreshNow() throws SQLException {
        refresh();
    }

    /**
     * Whether a read of {@code shard} at a bounded staleness of {@code boundNanos} must go to the
     * primary because the shard received slots by a switch whose WAL position its replicas may not
     * have replayed: until {@code boundNanos} has passed since this member first saw the switch
     * (after that, a replica behind the switch LSN lags by more than the bound and cannot qualify).
     */
    public static boolean boundedReadNeedsPrimary(State s, int shard, long boundNanos, long now) {
        return s.switchLsn()[shard] >= 0 && now - s.switchSeenNanos()[shard] <= boundNanos;
    }

    /** The switch LSN of a shard as a token entry for read-your-writes reads, or null. */
    public @Nullable ConsistencyToken switchToken(State s, int shard) {
        long lsn = s.switchLsn()[shard];
        return lsn < 0 ? null : ConsistencyToken.of(options.names().get(shard), lsn);
    }

    private void wake() {
        synchronized (wake) {
            wakeRequested = true;
            wake.notifyAll();
        }
    }

    private void run() {
        long lastFailureLog = 0;
        while (!closed) {
            long pauseMillis = waiters.get() > 0 ? FAST_REFRESH_MILLIS : Math.max(1, refreshNanos / 1_000_000);
            synchronized (wake) {
                if (!wakeRequested) {
                    try {
                        wake.wait(pauseMillis);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                wakeRequested = false;
            }
            if (closed) {
                return;
            }
            try {
                refresh();
            } catch (SQLException | RuntimeException e) {
                refreshFailures.increment();
                long now = nanoTime.getAsLong();
                if (now - lastFailureLog > 5_000_000_000L || lastFailureLog == 0) {
                    lastFailureLog = now;
                    LOG.warn("member {}: shard-map refresh failed: {}", options.memberId(), e.toString());
                }
            }
        }
    }

    private synchronized void refresh() throws SQLException {
        long sent = nanoTime.getAsLong();
        State s = state;
        MetaStore.Touch touch = store.touchStatus(options.memberId(), s.epoch().epoch());
        long current = touch.epoch();
        moveInProgress = touch.moveInProgress();
        if (current > s.epoch().epoch()) {
            MapEpoch e = store.read();
            if (e != null && e.epoch() > s.epoch().epoch()) {
                state = build(options.names(), e, s, nanoTime.getAsLong());
                store.touch(options.memberId(), e.epoch());
                LOG.info(
                        "member {}: shard map epoch {} -> {}",
                        options.memberId(),
                        s.epoch().epoch(),
                        e.epoch());
            }
        }
        leaseUntil = sent + leaseNanos;
        completed++;
        refreshes.increment();
    }

    /** Translates a stored epoch onto the configured shard names. */
    static State build(List<String> names, MapEpoch e, @Nullable State previous, long now) throws SQLException {
        ShardMap stored = e.map();
        int slots = stored.slots();
        int[] toIndex = new int[stored.shards().size()];
        for (int i = 0; i < toIndex.length; i++) {
            toIndex[i] = names.indexOf(stored.shards().get(i));
        }
        int[] owners = new int[slots];
        for (int s = 0; s < slots; s++) {
            int owner = toIndex[stored.shardIndexOfSlot(s)];
            if (owner < 0) {
                throw new SQLException(
                        "Strata: shard map epoch " + e.epoch() + " gives slot " + s + " to shard '"
                                + stored.shards().get(stored.shardIndexOfSlot(s)) + "', which this member does not"
                                + " have (its shards are " + names + "); add the shard to its configuration",
                        SqlStates.MAP_LEASE_EXPIRED);
            }
            owners[s] = owner;
        }
        ShardMap read = ShardMap.of(names, owners);
        ShardMap write = read;
        if (!e.moving().isEmpty()) {
            int[] fenced = owners.clone();
            for (MovingRange r : e.moving()) {
                for (int s = r.lo(); s <= r.hi(); s++) {
                    fenced[s] = names.size();
                }
            }
            List<String> withMoving = new ArrayList<>(names);
            withMoving.add(MOVING);
            write = ShardMap.of(withMoving, fenced);
        }
        long[] lsn = new long[names.size()];
        long[] seen = new long[names.size()];
        java.util.Arrays.fill(lsn, -1);
        for (Map.Entry<String, String> en : e.switchLsn().entrySet()) {
            int i = names.indexOf(en.getKey());
            if (i < 0) {
                continue;
            }
            try {
                lsn[i] = ConsistencyToken.parseLsn(en.getValue());
            } catch (IllegalArgumentException bad) {
                throw new SQLException(
                        "Strata: shard map epoch " + e.epoch() + " has a bad switch_lsn for " + en.getKey() + ": "
                                + en.getValue(),
                        SqlStates.MAP_LEASE_EXPIRED);
            }
            seen[i] = previous != null && previous.switchLsn()[i] == lsn[i] ? previous.switchSeenNanos()[i] : now;
        }
        return new State(e, read, write, lsn, seen);
    }

    /** Stops the refresher and removes this member's row (best effort: it ages out after the lease anyway). */
    @Override
    public void close() {
        closed = true;
        refresher.interrupt();
        try {
            store.leave(options.memberId());
        } catch (SQLException | RuntimeException e) {
            LOG.debug("member {}: could not remove its members row: {}", options.memberId(), e.toString());
        }
    }
}
