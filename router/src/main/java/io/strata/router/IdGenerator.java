package io.strata.router;

import io.strata.router.internal.txn.NodeLease;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Cluster-wide 64-bit ids: time-ordered, unique across every member that shares the lease table,
 * with no coordination on the hot path. Layout, most significant bit first:
 *
 * <pre>
 *   0 | 41 bits: milliseconds since 2025-01-01T00:00Z | node bits | sequence bits | slot bits
 * </pre>
 *
 * <ul>
 *   <li>The <b>node id</b> is leased from a table ({@code strata_id_nodes}) on one database (see
 *       {@link Builder#leaseFrom}); a live lease is never given to another member, and the lease
 *       is renewed in the background. A member whose lease it cannot confirm (database unreachable
 *       past the lease time) stops handing out ids instead of risking a duplicate.
 *   <li>Each lease records a <b>ceiling</b>: a time up to which the holder may issue ids (renewed
 *       ahead of the clock). A member that later takes the same node id starts above that ceiling,
 *       so it never repeats the previous holder's ids, even with clocks that disagree.
 *   <li>The <b>clock</b> never goes back for ids: if it steps back by less than
 *       {@link Builder#maxClockWait}, {@link #next} waits until it passes the last issued time; by
 *       more, {@link #next} refuses ({@link IllegalStateException}). When a millisecond's sequence
 *       numbers are used up, it waits for the next millisecond.
 *   <li>The <b>slot bits</b> (when built with a {@link ShardMap}: {@code ceil(log2(slots))}, 12 for
 *       4096 slots) carry the slot of a shard key ({@link #next(Object, KeyType)}), so a row sharded
 *       by {@code customer_id} can be routed by its own id (see {@link TableRule#withSlotId}).
 * </ul>
 *
 * <p>Defaults: without slot bits, 10 node bits and 12 sequence bits (1024 members, 4,096,000 ids a
 * second each); with 12 slot bits, 6 node bits and 4 sequence bits (64 members, 16,000 ids a second
 * each). Ids are positive until 2094.
 *
 * <p>Thread-safe; {@link #next} is a short synchronized section.
 */
public final class IdGenerator implements AutoCloseable {

    /** The epoch of the time field: 2025-01-01T00:00:00Z in Unix milliseconds. */
    public static final long EPOCH_MILLIS = 1_735_689_600_000L;

    private static final int PAYLOAD_BITS = 22;

    private final Clock clock;
    private final int nodeBits;
    private final int sequenceBits;
    private final int slotBits;
    private final int slots;
    private final @Nullable ShardMap shardMap;
    private final long maxClockWaitMillis;
    private final @Nullable NodeLease lease;
    private final int node;
    private long lastMillis;
    private long sequence;

    private IdGenerator(Builder b, int node, @Nullable NodeLease lease) {
        this.clock = b.clock;
        this.nodeBits = b.nodeBits;
        this.sequenceBits = b.sequenceBits;
        this.slotBits = b.slotBits;
        this.slots = b.shardMap == null ? 0 : b.shardMap.slots();
        this.shardMap = b.shardMap;
        this.maxClockWaitMillis = b.maxClockWait.toMillis();
        this.lease = lease;
        this.node = node;
        this.lastMillis = lease == null ? -1 : lease.startAfterMillis();
        // The previous holder may have used every sequence number of its ceiling's millisecond:
        // mark it used up, so the first id is strictly later.
        this.sequence = (1L << sequenceBits) - 1;
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** The number of slot bits used for a map of {@code slots} slots: {@code ceil(log2(slots))}. */
    public static int slotBitsFor(int slots) {
        if (slots < 1) {
            throw new IllegalArgumentException("slots must be at least 1 but was " + slots);
        }
        return slots == 1 ? 0 : 32 - Integer.numberOfLeadingZeros(slots - 1);
    }

    /**
     * The slot an id carries under a map of {@code slots} slots (its low {@link #slotBitsFor} bits),
     * or -1 when those bits name no slot of the map (the id was not made for it).
     */
    public static int slotOf(long id, int slots) {
        long slot = id & ((1L << slotBitsFor(slots)) - 1);
        return id < 0 || slot >= slots ? -1 : (int) slot;
    }

    /** A new id whose slot bits are 0 (for tables not routed by their id). */
    public long next() {
        return compose(0);
    }

    /** A new id carrying the slot of {@code shardKey} (of the declared {@code type}). */
    public long next(Object shardKey, KeyType type) {
        if (shardMap == null) {
            throw new IllegalStateException("this IdGenerator has no slot bits; build it with shardMap(...)");
        }
        try {
            return compose(shardMap.slotOf(shardKey, type));
        } catch (SQLException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** A new id carrying {@code slot}. */
    public long nextForSlot(int slot) {
        if (slot < 0 || slot >= Math.max(1, slots) || slotBits == 0 && slot != 0) {
            throw new IllegalArgumentException("slot must be in 0.." + (Math.max(1, slots) - 1) + " but was " + slot);
        }
        return compose(slot);
    }

    /** The node id this generator holds. */
    public int nodeId() {
        return node;
    }

    /** The number of slot bits (0 without a shard map). */
    public int slotBits() {
        return slotBits;
    }

    /** The Unix time in milliseconds encoded in an id of this layout. */
    public static long timestampOf(long id) {
        return (id >>> PAYLOAD_BITS) + EPOCH_MILLIS;
    }

    private synchronized long compose(int slot) {
        long now = clock.millis();
        if (lease != null) {
            lease.check(now);
        }
        if (now < lastMillis) {
            long behind = lastMillis - now;
            if (behind > maxClockWaitMillis) {
                throw new IllegalStateException("Strata IdGenerator: the clock is " + behind + " ms behind the last"
                        + " id's time (a clock step back, or a ceiling left by this node id's previous holder);"
                        + " refusing ids rather than risking duplicates. It resumes when the clock passes "
                        + lastMillis + " (maxClockWait " + maxClockWaitMillis + " ms).");
            }
            now = waitPast(lastMillis - 1);
        }
        if (now == lastMillis) {
            sequence++;
            if (sequence >= 1L << sequenceBits) {
                now = waitPast(lastMillis);
                sequence = 0;
            }
        } else {
            sequence = 0;
        }
        if (lease != null) {
            lease.check(now);
        }
        lastMillis = now;
        long time = now - EPOCH_MILLIS;
        if (time < 0 || time >= 1L << 41) {
            throw new IllegalStateException("Strata IdGenerator: the clock (" + now + ") is outside the id range");
        }
        return time << PAYLOAD_BITS | (long) node << (sequenceBits + slotBits) | sequence << slotBits | slot;
    }

    /** Waits (parking briefly) until the clock reads more than {@code millis}; returns its reading. */
    private long waitPast(long millis) {
        long now;
        while ((now = clock.millis()) <= millis) {
            LockSupport.parkNanos(100_000);
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Strata IdGenerator: interrupted while waiting for the clock");
            }
        }
        return now;
    }

    /**
     * Releases the node lease (recording the last issued time as its ceiling, so the next holder
     * starts above it) and stops renewing it. Ids cannot be made afterwards.
     */
    @Override
    public synchronized void close() {
        if (lease != null) {
            lease.release(lastMillis);
        }
    }

    /**
     * Builds an {@link IdGenerator}. Either {@link #nodeId} (the caller guarantees no two live
     * generators share it) or {@link #leaseFrom} (a node id leased from a table) is required.
     */
    public static final class Builder {

        private Clock clock = Clock.systemUTC();
        private @Nullable ShardMap shardMap;
        private int slotBits;
        private int nodeBits = -1;
        private int sequenceBits;
        private int fixedNode = -1;
        private @Nullable DataSource leaseSource;
        private Duration leaseTtl = Duration.ofSeconds(30);
        private Duration maxClockWait = Duration.ofSeconds(2);

        private Builder() {}

        /** Embeds the slot of a shard key under this map in every id ({@link #next(Object, KeyType)}). */
        public Builder shardMap(ShardMap map) {
            this.shardMap = Objects.requireNonNull(map, "shardMap cannot be null");
            return this;
        }

        /** The number of node-id bits (default 10 without slot bits, else 22 - slot bits - 4, at most 10). */
        public Builder nodeBits(int bits) {
            if (bits < 1 || bits > 16) {
                throw new IllegalArgumentException("nodeBits must be in 1..16 but was " + bits);
            }
            this.nodeBits = bits;
            return this;
        }

        /** A fixed node id; the caller guarantees that no other live generator uses it. */
        public Builder nodeId(int node) {
            if (node < 0) {
                throw new IllegalArgumentException("nodeId must be >= 0 but was " + node);
            }
            this.fixedNode = node;
            return this;
        }

        /**
         * Leases the node id from table {@code strata_id_nodes} in this database (created if
         * missing; writes go to its primary). Every member that must not collide uses the same one.
         */
        public Builder leaseFrom(DataSource dataSource) {
            this.leaseSource = Objects.requireNonNull(dataSource, "leaseFrom cannot be null");
            return this;
        }

        /** How long a lease lasts without renewal (default 30 s; renewed every third of it). */
        public Builder leaseTtl(Duration ttl) {
            Objects.requireNonNull(ttl, "leaseTtl cannot be null");
            if (ttl.compareTo(Duration.ofSeconds(1)) < 0 || ttl.compareTo(Duration.ofHours(1)) > 0) {
                throw new IllegalArgumentException("leaseTtl must be in 1s..1h but was " + ttl);
            }
            this.leaseTtl = ttl;
            return this;
        }

        /** The largest clock step back {@link #next} waits out; beyond it, it refuses (default 2 s). */
        public Builder maxClockWait(Duration wait) {
            Objects.requireNonNull(wait, "maxClockWait cannot be null");
            if (wait.isNegative() || wait.compareTo(Duration.ofMinutes(1)) > 0) {
                throw new IllegalArgumentException("maxClockWait must be in 0..1min but was " + wait);
            }
            this.maxClockWait = wait;
            return this;
        }

        /** The wall clock (default UTC system clock); injected in tests. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock cannot be null");
            return this;
        }

        /**
         * Builds the generator; with {@link #leaseFrom}, leases a node id first.
         *
         * @throws SQLException when no node id can be leased (all live, or the database fails)
         * @throws IllegalStateException when the layout does not fit in 63 bits or no node source is set
         */
        public IdGenerator build() throws SQLException {
            slotBits = shardMap == null ? 0 : slotBitsFor(shardMap.slots());
            int remaining = PAYLOAD_BITS - slotBits;
            int nodes = nodeBits > 0 ? nodeBits : Math.min(10, Math.max(1, remaining - 4));
            sequenceBits = remaining - nodes;
            if (sequenceBits < 1) {
                throw new IllegalStateException("nodeBits " + nodes + " + slot bits " + slotBits
                        + " leave no sequence bits; at most " + (remaining - 1) + " node bits fit");
            }
            nodeBits = nodes;
            if ((fixedNode >= 0) == (leaseSource != null)) {
                throw new IllegalStateException("exactly one of nodeId(...) and leaseFrom(...) is required");
            }
            if (fixedNode >= 0) {
                if (fixedNode >= 1 << nodeBits) {
                    throw new IllegalStateException(
                            "nodeId " + fixedNode + " does not fit in " + nodeBits + " node bits");
                }
                return new IdGenerator(this, fixedNode, null);
            }
            DataSource source = Objects.requireNonNull(leaseSource, "leaseFrom");
            NodeLease lease = NodeLease.acquire(source, 1 << nodeBits, leaseTtl, clock);
            return new IdGenerator(this, lease.node(), lease);
        }
    }
}
