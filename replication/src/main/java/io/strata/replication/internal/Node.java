package io.strata.replication.internal;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.Counter;
import io.strata.replication.NodeRole;
import io.strata.replication.ReadCandidate;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * One PostgreSQL server: its pool, circuit breaker and what the lag monitor last saw of it.
 *
 * <p>Concurrency: the observation fields are written by this node's monitor thread (and, for
 * {@link #role} and the lag anchor, by {@link ReplicaSet#onObservation} under the set's lock)
 * and read without locks by statement threads; each is a single volatile, and readers
 * tolerate seeing a mix of two consecutive polls because every field only makes a replica
 * look staler than it is, never fresher ({@link #replayLsn} only grows until the node is
 * invalidated, which sets it to -1).
 */
final class Node implements ReadCandidate {

    final NodeSpec spec;
    final HikariDataSource pool;
    final CircuitBreaker breaker;
    final Counter reads;
    final Counter writes;
    private final ReplicaSet set;

    /** This node's server's monitor (shared in the JVM); null until the set starts. */
    volatile @Nullable NodeMonitor monitor;

    /** The role decided by the set; see {@link ReplicaSet#onObservation}. */
    volatile NodeRole role = NodeRole.UNKNOWN;
    /** Whether the last poll succeeded. */
    volatile boolean up;
    /** Clock nanos of the last successful poll; Long.MIN_VALUE before the first. */
    volatile long lastSeenNanos = Long.MIN_VALUE;
    /** pg_is_in_recovery() at the last poll. */
    volatile boolean inRecovery;
    /** The timeline of a writable node (0 for a node in recovery). */
    volatile long timeline;
    /** Primary: current WAL LSN; replica: replay LSN; -1 unknown. */
    volatile long replayLsn = -1;
    /**
     * Replica: clock nanos of the newest primary sample it has replayed (the time up to which
     * it is known complete); Long.MIN_VALUE when no sample qualifies (lag unknown).
     */
    volatile long freshAsOfNanos = Long.MIN_VALUE;

    Node(ReplicaSet set, NodeSpec spec, HikariDataSource pool, CircuitBreaker breaker, Counter reads, Counter writes) {
        this.set = set;
        this.spec = spec;
        this.pool = pool;
        this.breaker = breaker;
        this.reads = reads;
        this.writes = writes;
    }

    @Override
    public String name() {
        return spec.name();
    }

    /** Answered recently enough to route to: the last poll succeeded and is not older than allowed. */
    boolean isLive(long nowNanos, long staleAfterNanos) {
        long seen = lastSeenNanos;
        return up && seen != Long.MIN_VALUE && nowNanos - seen <= staleAfterNanos;
    }

    boolean circuitAllows() {
        CircuitBreaker.State s = breaker.getState();
        return s != CircuitBreaker.State.OPEN && s != CircuitBreaker.State.FORCED_OPEN;
    }

    /**
     * Staleness bound in nanoseconds at {@code nowNanos}: {@code now - seenAt} of the newest
     * primary sample this replica has replayed; Long.MAX_VALUE when unknown.
     *
     * <p>Why never zero: a sample {@code (lsn, seenAt)} proves only that every commit
     * acknowledged before {@code seenAt} (the time the poll was sent) lies at or below
     * {@code lsn}. A commit acknowledged after the last poll that reached the primary is
     * invisible to the monitor, however caught up the replica looks; if the primary then falls
     * silent (frozen, cut off, the poll hangs) no newer sample arrives. So a caught-up, idle
     * replica reads about one poll interval, and a replica behind a silent primary ages with
     * every passing moment.
     */
    long lagNanos(long nowNanos) {
        if (role == NodeRole.PRIMARY) {
            return 0;
        }
        if (set.config().ignoreLagForTesting()) {
            return 0; // deliberately broken routing: lets checkers show they catch stale reads
        }
        long fresh = freshAsOfNanos;
        if (fresh == Long.MIN_VALUE) {
            return Long.MAX_VALUE;
        }
        return Math.max(0, nowNanos - fresh);
    }

    /** Forget what is known of the replay position (after a connection error or restart). */
    void invalidate() {
        replayLsn = -1;
        freshAsOfNanos = Long.MIN_VALUE;
    }

    /** Raise the known replay LSN after a direct observation on a pooled connection. */
    void observedReplay(long lsn) {
        set.onDirectReplayObservation(this, lsn);
    }

    @Override
    public long lagBytes() {
        if (role == NodeRole.PRIMARY) {
            return 0;
        }
        long r = replayLsn;
        long p = set.primaryLsn();
        return r < 0 ? Long.MAX_VALUE : Math.max(0, p - r);
    }

    @Override
    public Duration lag() {
        long l = lagNanos(set.clock().monotonicTime());
        return l == Long.MAX_VALUE ? ChronoDurations.FOREVER : Duration.ofNanos(l);
    }

    @Override
    public int activeConnections() {
        HikariPoolMXBean mx = pool.getHikariPoolMXBean();
        return mx == null ? 0 : mx.getActiveConnections();
    }

    @Override
    public double weight() {
        return spec.weight();
    }

    @Override
    public double health() {
        CircuitBreaker.State s = breaker.getState();
        if (s == CircuitBreaker.State.OPEN || s == CircuitBreaker.State.FORCED_OPEN) {
            return 0;
        }
        float rate = breaker.getMetrics().getFailureRate(); // -1 until enough calls
        double h = rate < 0 ? 1.0 : 1.0 - rate / 100.0;
        return s == CircuitBreaker.State.HALF_OPEN ? h * 0.25 : h;
    }

    @Override
    public String toString() {
        return spec.name();
    }
}
