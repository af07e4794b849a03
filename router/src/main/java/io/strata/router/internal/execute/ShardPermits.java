package io.strata.router.internal.execute;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.strata.router.internal.SqlStates;
import java.sql.SQLException;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * How many logical connections may hold a connection to each shard at once, and the all-or-none
 * way a statement takes the shards it needs.
 *
 * <p>Why: a logical connection keeps one physical connection per shard it used until it closes.
 * If statements that reach several shards took their connections one by one, and in parallel,
 * two of them could each hold what the other waits for (A holds shard 0 and waits for shard 1, B
 * the reverse) until the pools time out. Here a statement takes a permit for every shard it does
 * not hold yet, in ascending shard order, before any connection is opened; with at most as many
 * permits as a shard's pool has connections, a permit holder never waits for the pool, and two
 * statements taking permits in the same order cannot wait for each other. A connection that already
 * holds some shards and needs a lower one could still wait in a cycle; that wait is bounded by
 * {@code wait}, after which the statement fails with {@link SqlStates#CONNECTIONS_BUSY} and gives
 * back the permits it took (none of its shards was touched).
 */
public final class ShardPermits {

    private final Semaphore[] permits;
    private final int[] sizes;
    private final List<String> names;
    private final long waitNanos;
    private final Counter timeouts;

    /** Permits per shard ({@code sizes[i]} for shard i) and the longest wait for them. */
    public ShardPermits(List<String> names, int[] sizes, java.time.Duration wait, MeterRegistry registry) {
        this.names = List.copyOf(names);
        this.sizes = sizes.clone();
        this.permits = new Semaphore[sizes.length];
        for (int i = 0; i < sizes.length; i++) {
            permits[i] = new Semaphore(sizes[i]);
        }
        this.waitNanos = wait.toNanos();
        this.timeouts = Counter.builder("strata.router.connection.wait.timeouts")
                .description("Statements refused because shard connections stayed busy past connectionWait")
                .register(registry);
    }

    /**
     * Takes a permit for each shard in {@code wanted} that {@code held} lacks, in ascending order,
     * all or none, and marks them in {@code held}.
     */
    public void acquire(BitSet wanted, BitSet held) throws SQLException {
        long deadline = 0;
        BitSet taken = null;
        for (int s = wanted.nextSetBit(0); s >= 0; s = wanted.nextSetBit(s + 1)) {
            if (held.get(s)) {
                continue;
            }
            if (!permits[s].tryAcquire()) {
                if (deadline == 0) {
                    deadline = System.nanoTime() + waitNanos;
                }
                boolean got;
                try {
                    got = permits[s].tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    releaseTaken(taken, held);
                    throw new SQLException(
                            "Strata: interrupted while waiting for a connection to shard " + names.get(s), "57014", e);
                }
                if (!got) {
                    releaseTaken(taken, held);
                    timeouts.increment();
                    throw new SQLException(
                            "Strata: no connection to shard " + names.get(s) + " within "
                                    + TimeUnit.NANOSECONDS.toMillis(waitNanos) + " ms: " + sizes[s]
                                    + " logical connections already hold one (maxConnectionsPerShard). Nothing was"
                                    + " sent to any shard. Close connections sooner, raise the shard's pool size"
                                    + " together with maxConnectionsPerShard, or raise connectionWait.",
                            SqlStates.CONNECTIONS_BUSY);
                }
            }
            held.set(s);
            if (taken == null) {
                taken = new BitSet();
            }
            taken.set(s);
        }
    }

    /** Gives back the permits this call took (all or none). */
    private void releaseTaken(BitSet taken, BitSet held) {
        if (taken == null) {
            return;
        }
        for (int s = taken.nextSetBit(0); s >= 0; s = taken.nextSetBit(s + 1)) {
            permits[s].release();
            held.clear(s);
        }
    }

    /** Takes the permit of one shard (see {@link #acquire}). */
    public void acquire(int shard, BitSet held) throws SQLException {
        if (held.get(shard)) {
            return;
        }
        if (permits[shard].tryAcquire()) {
            held.set(shard);
            return;
        }
        BitSet one = new BitSet();
        one.set(shard);
        acquire(one, held);
    }

    /** Gives back one shard's permit. */
    public void release(int shard, BitSet held) {
        if (held.get(shard)) {
            held.clear(shard);
            permits[shard].release();
        }
    }

    /** Gives back every permit in {@code held}. */
    public void releaseAll(BitSet held) {
        for (int s = held.nextSetBit(0); s >= 0; s = held.nextSetBit(s + 1)) {
            permits[s].release();
        }
        held.clear();
    }

    /** Permits free now on {@code shard} (tests, metrics). */
    public int available(int shard) {
        return permits[shard].availablePermits();
    }
}
