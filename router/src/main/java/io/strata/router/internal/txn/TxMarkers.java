package io.strata.router.internal.txn;

import io.strata.replication.Consistency;
import io.strata.replication.ReplicaSetConnection;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The commit markers table {@code strata_meta.tx_markers} on every shard, where two-phase commit
 * keeps its decisions (see {@link TwoPhaseCommit}): its creation, the off-critical-path deletion
 * of the markers of fully committed transactions, and the sweep of old leftovers.
 *
 * <p>Invariants: a marker is deleted only (a) after COMMIT PREPARED of its gid succeeded on every
 * participant (the deletion queue), or (b) by the sweep when it is older than the horizon and its
 * gid is prepared on no shard, read before the delete. {@code at} defaults to
 * {@code clock_timestamp()}, not {@code now()}: a long transaction's {@code now()} is its start,
 * and a marker stamped then could look old to the sweep while its gid is still being prepared.
 *
 * <p>Concurrency: the queue is lock-free; {@link #deleteCommitted} runs on one background thread.
 */
public final class TxMarkers {

    private static final Logger LOG = LoggerFactory.getLogger(TxMarkers.class);

    /** The DDL run on every shard at start when the table is missing. */
    static final String CREATE_SCHEMA = "create schema if not exists strata_meta";

    static final String CREATE_TABLE = "create table if not exists strata_meta.tx_markers ("
            + "gid text primary key, aborted boolean not null default false,"
            + " at timestamptz not null default clock_timestamp())";

    private final List<String> shardNames;
    private final List<DataSource> shards;
    private final ConcurrentLinkedQueue<Committed> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicLong deleted = new AtomicLong();

    private record Committed(String gid, int[] shards) {}

    TxMarkers(List<String> shardNames, List<DataSource> shards) {
        this.shardNames = shardNames;
        this.shards = shards;
    }

    /**
     * Creates {@code strata_meta.tx_markers} on every shard unless it exists.
     *
     * @throws IllegalStateException naming the shard, the statement and the privilege needed
     */
    void create() {
        for (int s = 0; s < shards.size(); s++) {
            try (Connection c = primary(shards.get(s))) {
                if (exists(c)) {
                    continue;
                }
                try (Statement st = c.createStatement()) {
                    st.execute(CREATE_SCHEMA);
                    st.execute(CREATE_TABLE);
                } catch (SQLException e) {
                    if (!exists(c)) { // two JVMs starting at once may race on "if not exists"
                        throw e;
                    }
                }
            } catch (SQLException e) {
                throw new IllegalStateException(
                        "Strata: two-phase commit (TransactionPolicy.TWO_PHASE) cannot start: shard '"
                                + shardNames.get(s) + "' has no table strata_meta.tx_markers and it could not be"
                                + " created (" + e.getSQLState() + " " + e.getMessage() + "). Running `"
                                + CREATE_SCHEMA + "; " + CREATE_TABLE + "` needs the CREATE privilege on the"
                                + " database (or on an existing schema strata_meta); have an administrator run it"
                                + " once per shard and grant this user SELECT, INSERT, DELETE on the table, or use"
                                + " TransactionPolicy.REJECT.",
                        e);
            }
        }
    }

    private static boolean exists(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("select to_regclass('strata_meta.tx_markers') is not null")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    /** A connection to the shard's primary, in autocommit. */
    static Connection primary(DataSource shard) throws SQLException {
        Connection c = shard.getConnection();
        try {
            if (c.isWrapperFor(ReplicaSetConnection.class)) {
                c.unwrap(ReplicaSetConnection.class).setConsistency(Consistency.STRONG);
            }
            c.setAutoCommit(true);
            return c;
        } catch (SQLException e) {
            c.close();
            throw e;
        }
    }

    /** Queues the markers of {@code gid}, committed on every one of {@code shards}, for deletion. */
    void committed(String gid, int[] shards) {
        queue.add(new Committed(gid, shards));
        pending.incrementAndGet();
    }

    /** Markers queued for deletion. */
    public int pending() {
        return pending.get();
    }

    /** Markers deleted off the critical path so far. */
    public long deleted() {
        return deleted.get();
    }

    /** Deletes the queued markers, one statement per shard; a failed shard's markers are left to the sweep. */
    void deleteCommitted() {
        List<List<String>> perShard = new ArrayList<>();
        for (int s = 0; s < shards.size(); s++) {
            perShard.add(new ArrayList<>());
        }
        int taken = 0;
        for (Committed c; taken < 50_000 && (c = queue.poll()) != null; taken++) {
            for (int s : c.shards()) {
                perShard.get(s).add(c.gid());
            }
        }
        pending.addAndGet(-taken);
        for (int s = 0; s < shards.size(); s++) {
            List<String> gids = perShard.get(s);
            if (gids.isEmpty()) {
                continue;
            }
            try (Connection c = primary(shards.get(s));
                    PreparedStatement ps =
                            c.prepareStatement("delete from strata_meta.tx_markers where gid = any(?)")) {
                ps.setArray(1, c.createArrayOf("text", gids.toArray()));
                deleted.addAndGet(ps.executeUpdate());
            } catch (SQLException e) {
                LOG.warn(
                        "could not delete {} commit markers on {}; the sweep removes them later",
                        gids.size(),
                        shardNames.get(s),
                        e);
            }
        }
    }

    /**
     * Deletes markers older than {@code horizon} whose gid is prepared on no shard ({@code prepared}
     * read from every shard before this call). Returns how many were deleted.
     */
    long sweep(Collection<String> prepared, Duration horizon) {
        long n = 0;
        for (int s = 0; s < shards.size(); s++) {
            try (Connection c = primary(shards.get(s));
                    PreparedStatement ps = c.prepareStatement("delete from strata_meta.tx_markers"
                            + " where at < clock_timestamp() - make_interval(secs => ?) and gid <> all(?)")) {
                ps.setDouble(1, horizon.toMillis() / 1000.0);
                Array gids = c.createArrayOf("text", prepared.toArray());
                ps.setArray(2, gids);
                n += ps.executeUpdate();
            } catch (SQLException e) {
                LOG.warn("could not sweep old commit markers on {}", shardNames.get(s), e);
            }
        }
        return n;
    }
}
