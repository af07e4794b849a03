package io.strata.router.internal.txn;

import io.strata.replication.Consistency;
import io.strata.replication.ReplicaSetConnection;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;

/**
 * A node id leased from table {@code strata_id_nodes} for an {@code IdGenerator}.
 *
 * <p>Invariants: a row's lease is taken only when it has expired by the database's clock
 * ({@code expires_at < now()}), in one conditional upsert, so two live holders never share a node
 * id. The holder counts its lease valid until {@code t0 + ttl} on its own monotonic clock, where
 * {@code t0} is read before the renewal is sent, so it stops before the database lets anyone else
 * take the id. Each renewal also records a ceiling (the holder's wall clock + ttl): the holder
 * issues no id above its ceiling without renewing, and the next holder starts above it.
 *
 * <p>Concurrency: renewals run on one daemon thread and under this object's lock; {@link #check}
 * is called under the generator's lock and takes this one only when a renewal is due.
 */
public final class NodeLease {

    private static final String CREATE = "create table if not exists strata_id_nodes (node int primary key,"
            + " owner text not null, expires_at timestamptz not null, ceiling_ms bigint not null default 0)";
    private static final String CANDIDATES = "select n from generate_series(0, ?) n"
            + " left join strata_id_nodes t on t.node = n"
            + " where t.node is null or t.expires_at < now()"
            + " order by coalesce(t.ceiling_ms, 0), n limit 32";
    private static final String TAKE = "insert into strata_id_nodes (node, owner, expires_at, ceiling_ms)"
            + " values (?, ?, now() + make_interval(secs => ?), 0)"
            + " on conflict (node) do update set owner = excluded.owner, expires_at = excluded.expires_at"
            + " where strata_id_nodes.expires_at < now()"
            + " returning ceiling_ms";
    private static final String RENEW = "update strata_id_nodes set expires_at = now() + make_interval(secs => ?),"
            + " ceiling_ms = greatest(ceiling_ms, ?) where node = ? and owner = ?";
    private static final String RELEASE =
            "update strata_id_nodes set expires_at = now(), ceiling_ms = ? where node = ? and owner = ?";

    private final DataSource source;
    private final int node;
    private final String owner;
    private final long ttlNanos;
    private final Clock clock;
    private final long startAfterMillis;
    private final ScheduledExecutorService renewer;
    private volatile long validUntilNanos;
    private volatile long ceilingMillis;
    private volatile boolean lost;
    private volatile boolean released;

    private NodeLease(DataSource source, int node, String owner, Duration ttl, Clock clock, long startAfter, long t0) {
        this.source = source;
        this.node = node;
        this.owner = owner;
        this.ttlNanos = ttl.toNanos();
        this.clock = clock;
        this.startAfterMillis = startAfter;
        this.validUntilNanos = t0 + ttlNanos;
        this.ceilingMillis = Long.MIN_VALUE; // set by the first renewal, right after acquisition
        this.renewer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "strata-id-lease-" + node);
            t.setDaemon(true);
            return t;
        });
    }

    /** Leases a free node id below {@code nodes}. */
    public static NodeLease acquire(DataSource source, int nodes, Duration ttl, Clock clock) throws SQLException {
        String owner = UUID.randomUUID().toString();
        try (Connection c = primary(source)) {
            createTable(c);
            List<Integer> candidates = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(CANDIDATES)) {
                ps.setInt(1, nodes - 1);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        candidates.add(rs.getInt(1));
                    }
                }
            }
            for (int node : candidates) {
                long t0 = System.nanoTime();
                try (PreparedStatement ps = c.prepareStatement(TAKE)) {
                    ps.setInt(1, node);
                    ps.setString(2, owner);
                    ps.setDouble(3, ttl.toMillis() / 1000.0);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (rs.next()) {
                            NodeLease lease = new NodeLease(source, node, owner, ttl, clock, rs.getLong(1), t0);
                            lease.renew();
                            if (lease.lost || lease.ceilingMillis == Long.MIN_VALUE) {
                                throw new SQLException(
                                        "Strata IdGenerator: node id " + node + " was leased but its first renewal"
                                                + " failed",
                                        "55000");
                            }
                            long period = Math.max(1, ttl.toMillis() / 3);
                            lease.renewer.scheduleWithFixedDelay(
                                    lease::renewQuietly, period, period, TimeUnit.MILLISECONDS);
                            return lease;
                        }
                    }
                }
            }
        }
        throw new SQLException(
                "Strata IdGenerator: all " + nodes + " node ids are leased by live members; raise nodeBits or stop"
                        + " members (a lease expires " + ttl + " after its holder stops renewing it)",
                "55000");
    }

    private static void createTable(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(CREATE);
        } catch (SQLException e) {
            // Two members creating it at once: one loses with a duplicate; the table exists then.
            if (!"23505".equals(e.getSQLState()) && !"42P07".equals(e.getSQLState())) {
                throw e;
            }
        }
    }

    private static Connection primary(DataSource source) throws SQLException {
        Connection c = source.getConnection();
        try {
            if (c.isWrapperFor(ReplicaSetConnection.class)) {
                c.unwrap(ReplicaSetConnection.class).setConsistency(Consistency.STRONG);
            }
            if (!c.getAutoCommit()) {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /** The leased node id. */
    public int node() {
        return node;
    }

    /** The previous holder's ceiling: ids must be issued at later times only. */
    public long startAfterMillis() {
        return startAfterMillis;
    }

    /**
     * Checks that an id may be issued at {@code nowMillis}: the lease is still valid on the local
     * monotonic clock and the time is within the recorded ceiling (renewing now if either is due).
     *
     * @throws IllegalStateException when the lease is lost or cannot be confirmed
     */
    public void check(long nowMillis) {
        if (!lost && !released && System.nanoTime() - validUntilNanos < 0 && nowMillis <= ceilingMillis) {
            return;
        }
        synchronized (this) {
            if (!lost && !released && (System.nanoTime() - validUntilNanos >= 0 || nowMillis > ceilingMillis)) {
                renewQuietly();
            }
            if (released) {
                throw new IllegalStateException("Strata IdGenerator: closed");
            }
            if (lost) {
                throw new IllegalStateException("Strata IdGenerator: node id " + node + " was taken by another"
                        + " member after this one failed to renew it; build a new generator");
            }
            if (System.nanoTime() - validUntilNanos >= 0 || nowMillis > ceilingMillis) {
                throw new IllegalStateException("Strata IdGenerator: the lease of node id " + node + " cannot be"
                        + " renewed (is the lease database reachable?); refusing ids rather than risking duplicates");
            }
        }
    }

    private void renewQuietly() {
        try {
            renew();
        } catch (SQLException | RuntimeException e) {
            // Validity runs out on its own; check() refuses ids then.
        }
    }

    private synchronized void renew() throws SQLException {
        if (lost || released) {
            return;
        }
        long t0 = System.nanoTime();
        long ceiling = clock.millis() + ttlNanos / 1_000_000;
        try (Connection c = primary(source);
                PreparedStatement ps = c.prepareStatement(RENEW)) {
            ps.setDouble(1, ttlNanos / 1e9);
            ps.setLong(2, ceiling);
            ps.setInt(3, node);
            ps.setString(4, owner);
            if (ps.executeUpdate() == 1) {
                validUntilNanos = t0 + ttlNanos;
                ceilingMillis = Math.max(ceilingMillis, ceiling);
            } else {
                lost = true;
            }
        }
    }

    /** Gives the node id back, recording {@code lastMillis} as the ceiling for the next holder. */
    public synchronized void release(long lastMillis) {
        if (released) {
            return;
        }
        released = true;
        renewer.shutdownNow();
        if (lost) {
            return;
        }
        try (Connection c = primary(source);
                PreparedStatement ps = c.prepareStatement(RELEASE)) {
            ps.setLong(1, Math.max(lastMillis, startAfterMillis));
            ps.setInt(2, node);
            ps.setString(3, owner);
            ps.executeUpdate();
        } catch (SQLException e) {
            // The lease expires on its own; its ceiling stays the renewed one, which is higher.
        }
    }
}
