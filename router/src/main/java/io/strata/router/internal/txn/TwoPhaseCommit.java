package io.strata.router.internal.txn;

import io.strata.replication.Consistency;
import io.strata.replication.ReplicaSetConnection;
import io.strata.router.internal.execute.RouterMetrics;
import io.strata.router.internal.execute.ShardCalls;
import java.io.IOException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Two-phase commit over PostgreSQL's {@code PREPARE TRANSACTION} / {@code COMMIT PREPARED}.
 *
 * <p>Protocol: (1) {@code PREPARE TRANSACTION 'strata_<coordinator>_<txid>'} on every written
 * shard, in parallel; any failure rolls every shard back and the commit fails. (2) The commit
 * decision is forced to the {@link CoordinatorLog}, sharing one force with the transactions
 * deciding at the same time (group commit). (3) {@code COMMIT PREPARED} on every shard, in
 * parallel, each attempted whatever the others do; (4) a done record (not forced).
 * A crash before (2) leaves prepared transactions without a decision: recovery rolls them back
 * (presumed abort). A crash after (2) leaves a decision: recovery commits them. Either way a
 * transaction ends up complete on every shard or on none.
 *
 * <p>Recovery runs at start for this coordinator's own ids only, so coordinators (JVMs) must have
 * distinct ids and their own logs.
 */
public final class TwoPhaseCommit {

    private static final Logger LOG = LoggerFactory.getLogger(TwoPhaseCommit.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Observes the protocol between its steps (used by crash tests to stop the JVM there). */
    public interface Listener {
        /** Every shard has prepared {@code gid}; no decision is logged yet. */
        default void prepared(String gid) {}

        /** The commit decision for {@code gid} is durable; no shard has committed yet. */
        default void decided(String gid) {}
    }

    private final String coordinatorId;
    private final CoordinatorLog log;
    private final RouterMetrics metrics;
    private final ShardCalls calls;
    private volatile Listener listener = new Listener() {};

    /** A coordinator with its id (letters, digits, '-'), its log, and the executor it prepares and commits on. */
    public TwoPhaseCommit(String coordinatorId, CoordinatorLog log, RouterMetrics metrics, ShardCalls calls) {
        this.coordinatorId = coordinatorId;
        this.log = log;
        this.metrics = metrics;
        this.calls = calls;
    }

    /** Installs a listener (tests). */
    public void listener(Listener listener) {
        this.listener = listener;
    }

    /** The prefix of this coordinator's global transaction ids. */
    public String gidPrefix() {
        return "strata_" + coordinatorId + "_";
    }

    /** The coordinator log. */
    public CoordinatorLog log() {
        return log;
    }

    /**
     * Commits the open transactions on {@code connections} (one per written shard) atomically.
     * On return every shard has committed. On an exception before the decision, none has.
     */
    public void commit(List<Connection> connections) throws SQLException {
        byte[] bytes = new byte[12];
        RANDOM.nextBytes(bytes);
        String txid = HexFormat.of().formatHex(bytes);
        String gid = gidPrefix() + txid;
        int n = connections.size();
        boolean[] prepared = new boolean[n];
        try {
            calls.runAll(n, i -> {
                try (Statement st = connections.get(i).createStatement()) {
                    st.execute("PREPARE TRANSACTION '" + gid + "'");
                }
                prepared[i] = true;
            });
        } catch (SQLException e) {
            abort(connections, prepared, gid);
            metrics.twoPhase("aborted");
            throw new SQLException(
                    "Strata: two-phase commit aborted, nothing was committed: " + e.getMessage(),
                    e.getSQLState() == null ? "40000" : e.getSQLState(),
                    e);
        }
        listener.prepared(gid);
        try {
            log.commitDecided(txid);
        } catch (IOException e) {
            abort(connections, prepared, gid);
            metrics.twoPhase("aborted");
            throw new SQLException(
                    "Strata: two-phase commit aborted, the coordinator log " + log.file()
                            + " could not record the decision: " + e.getMessage(),
                    "40000",
                    e);
        }
        listener.decided(gid);
        SQLException failure = null;
        try {
            calls.runEvery(n, i -> finish(connections.get(i), "COMMIT PREPARED '" + gid + "'"));
        } catch (SQLException e) {
            // Decided: the transaction will commit; recovery finishes what failed here.
            LOG.warn(
                    "COMMIT PREPARED {} failed; it stays decided in {} and is finished at the next recovery",
                    gid,
                    log.file(),
                    e);
            failure = e;
        }
        if (failure == null) {
            log.done(txid);
        }
        metrics.twoPhase("committed");
    }

    private void abort(List<Connection> all, boolean[] prepared, String gid) {
        for (int i = 0; i < all.size(); i++) {
            Connection c = all.get(i);
            try {
                if (prepared[i]) {
                    finish(c, "ROLLBACK PREPARED '" + gid + "'");
                } else {
                    c.rollback();
                }
            } catch (SQLException e) {
                LOG.warn("rollback of {} failed; recovery will roll it back", gid, e);
            }
        }
    }

    /** Runs COMMIT/ROLLBACK PREPARED, which must run outside a transaction block, on the primary. */
    static void finish(Connection c, String sql) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        ReplicaSetConnection rs =
                c.isWrapperFor(ReplicaSetConnection.class) ? c.unwrap(ReplicaSetConnection.class) : null;
        if (!autoCommit) {
            c.setAutoCommit(true);
        }
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        } finally {
            if (!autoCommit) {
                c.setAutoCommit(false);
            }
        }
        if (rs != null) {
            rs.token(); // the commit is now part of the connection's token
        }
    }

    /**
     * Resolves this coordinator's prepared transactions on every shard: those with a logged
     * decision are committed, the rest rolled back. Returns how many were resolved.
     */
    public int recover(List<String> shardNames, List<DataSource> shards) throws SQLException {
        Set<String> committed;
        try {
            committed = log.committed();
        } catch (IOException e) {
            throw new SQLException(
                    "Strata: cannot read the coordinator log " + log.file() + ": " + e.getMessage(), "58030", e);
        }
        int resolved = 0;
        Set<String> unresolved = new HashSet<>();
        for (int s = 0; s < shards.size(); s++) {
            try (Connection c = shards.get(s).getConnection()) {
                if (c.isWrapperFor(ReplicaSetConnection.class)) {
                    c.unwrap(ReplicaSetConnection.class).setConsistency(Consistency.STRONG);
                }
                c.setAutoCommit(true);
                List<String> gids = new ArrayList<>();
                try (Statement st = c.createStatement();
                        ResultSet rs = st.executeQuery("SELECT gid FROM pg_prepared_xacts WHERE database ="
                                + " current_database() AND left(gid, "
                                + gidPrefix().length() + ") = '"
                                + gidPrefix() + "'")) {
                    while (rs.next()) {
                        gids.add(rs.getString(1));
                    }
                }
                for (String gid : gids) {
                    String txid = gid.substring(gidPrefix().length());
                    boolean commit = committed.contains(txid);
                    try (Statement st = c.createStatement()) {
                        st.execute((commit ? "COMMIT PREPARED '" : "ROLLBACK PREPARED '") + gid + "'");
                        resolved++;
                        metrics.twoPhase(commit ? "recovered_commit" : "recovered_rollback");
                        LOG.info(
                                "recovered {} on {}: {}", gid, shardNames.get(s), commit ? "committed" : "rolled back");
                    } catch (SQLException e) {
                        LOG.warn("could not resolve {} on {}", gid, shardNames.get(s), e);
                        if (commit) {
                            unresolved.add(txid);
                        }
                    }
                }
            }
        }
        try {
            log.compact(unresolved);
        } catch (IOException e) {
            LOG.warn("could not compact the coordinator log {}", log.file(), e);
        }
        return resolved;
    }
}
