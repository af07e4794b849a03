package io.strata.router.internal.txn;

import io.strata.router.internal.execute.RouterMetrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves prepared {@code strata_} transactions whose coordinator is gone or slow, from what the
 * shards hold (see {@link TwoPhaseCommit} for the protocol). For a gid G with n participants:
 *
 * <ol>
 *   <li>a shard with a marker G, {@code aborted = false}: some participant committed, so G is
 *       committed: COMMIT PREPARED G wherever it is prepared;
 *   <li>G prepared on n shards: G is committed (the coordinator's commit point): COMMIT PREPARED;
 *   <li>otherwise block G: on every shard where G is neither prepared nor marked, insert a marker
 *       G with {@code aborted = true} (short {@code lock_timeout}: a participant that inserted its
 *       marker and is about to prepare holds the key). Then re-read. Once every non-prepared shard
 *       has an aborted marker, no participant can prepare G any more (its marker insert conflicts),
 *       so fewer than n ever will: ROLLBACK PREPARED G wherever it is prepared.
 * </ol>
 *
 * Every decision is taken on a fresh read of every shard, so concurrent recoveries (several JVMs)
 * and a live coordinator all reach the same outcome. A gid that stays unresolved past the deadline
 * (a participant holding its marker lock that long) is left to the next run, with a warning.
 *
 * <p>Gids of the previous format ({@code strata_<id>_<txid>}, decided in a local coordinator log)
 * are resolved from that log when its file exists, and otherwise left alone with a warning.
 */
public final class InDoubtRecovery {

    private static final Logger LOG = LoggerFactory.getLogger(InDoubtRecovery.class);

    /** {@code strata_<coordinator>_<24 hex txid>[_<participants>]}. */
    static final Pattern GID = Pattern.compile("strata_([A-Za-z0-9-]{1,64})_([0-9a-f]{24})(?:_([0-9]{1,4}))?");

    /** Deliberate weakenings, to show the recovery tests fail without the protocol's guards. */
    enum Weakening {
        NONE,
        /** Roll back a gid prepared on fewer than n shards without blocking the others first. */
        SKIP_BLOCKING
    }

    private final String coordinatorId;
    private final List<String> shardNames;
    private final List<DataSource> shards;
    private final RouterMetrics metrics;
    private final Duration lockTimeout;
    private final Duration gidDeadline;
    private final Path legacyLog;
    private volatile Weakening weakening = Weakening.NONE;

    InDoubtRecovery(
            String coordinatorId,
            List<String> shardNames,
            List<DataSource> shards,
            RouterMetrics metrics,
            Duration lockTimeout,
            Duration gidDeadline,
            Path legacyLog) {
        this.coordinatorId = coordinatorId;
        this.shardNames = shardNames;
        this.shards = shards;
        this.metrics = metrics;
        this.lockTimeout = lockTimeout;
        this.gidDeadline = gidDeadline;
        this.legacyLog = legacyLog;
    }

    void weaken(Weakening w) {
        this.weakening = w;
    }

    /** What one run saw: the resolved count and every strata gid prepared on some shard. */
    record Run(int resolved, Set<String> prepared) {}

    /**
     * Resolves the prepared gids of this coordinator (any age, when {@code ownAnyAge}) and of any
     * coordinator prepared at least {@code minAge} ago.
     */
    Run run(boolean ownAnyAge, Duration minAge) throws SQLException {
        Map<String, Boolean> candidates = new LinkedHashMap<>(); // gid -> old enough or own
        Set<String> prepared = new HashSet<>();
        for (int s = 0; s < shards.size(); s++) {
            try (Connection c = TxMarkers.primary(shards.get(s));
                    Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("select gid, extract(epoch from clock_timestamp() - prepared)"
                            + " from pg_prepared_xacts where database = current_database()"
                            + " and left(gid, 7) = 'strata_'")) {
                while (rs.next()) {
                    String gid = rs.getString(1);
                    prepared.add(gid);
                    Matcher m = GID.matcher(gid);
                    if (!m.matches()) {
                        continue;
                    }
                    boolean own = m.group(1).equals(coordinatorId);
                    boolean due = (own && ownAnyAge) || rs.getDouble(2) * 1000 >= minAge.toMillis();
                    candidates.merge(gid, due, Boolean::logicalOr);
                }
            }
        }
        int resolved = 0;
        List<String> legacy = new ArrayList<>();
        for (Map.Entry<String, Boolean> e : candidates.entrySet()) {
            if (!e.getValue()) {
                continue;
            }
            Matcher m = GID.matcher(e.getKey());
            if (!m.matches()) {
                continue;
            }
            if (m.group(3) == null) {
                if (m.group(1).equals(coordinatorId)) {
                    legacy.add(e.getKey());
                }
                continue;
            }
            int n = Integer.parseInt(m.group(3));
            if (resolve(e.getKey(), n)) {
                resolved++;
            }
        }
        if (!legacy.isEmpty()) {
            resolved += resolveLegacy(legacy);
        }
        return new Run(resolved, prepared);
    }

    private enum Marker {
        NONE,
        COMMITTED,
        ABORTED
    }

    /** Resolves one gid; false when it was left unresolved (deadline, or a shard unreachable). */
    boolean resolve(String gid, int n) {
        long deadline = System.nanoTime() + gidDeadline.toNanos();
        try {
            while (true) {
                boolean[] prepared = new boolean[shards.size()];
                Marker[] markers = new Marker[shards.size()];
                int preparedCount = 0;
                boolean committed = false;
                for (int s = 0; s < shards.size(); s++) {
                    try (Connection c = TxMarkers.primary(shards.get(s))) {
                        // prepared first, then the marker: a participant committing in between
                        // shows as prepared or as a committed marker, never as neither
                        prepared[s] = isPrepared(c, gid);
                        markers[s] = marker(c, gid);
                    }
                    preparedCount += prepared[s] ? 1 : 0;
                    committed |= markers[s] == Marker.COMMITTED;
                }
                if (committed || preparedCount >= n) {
                    finish(gid, prepared, true);
                    return true;
                }
                List<Integer> unblocked = new ArrayList<>();
                for (int s = 0; s < shards.size(); s++) {
                    if (!prepared[s] && markers[s] == Marker.NONE) {
                        unblocked.add(s);
                    }
                }
                if (unblocked.isEmpty() || weakening == Weakening.SKIP_BLOCKING) {
                    finish(gid, prepared, false);
                    return true;
                }
                if (System.nanoTime() > deadline) {
                    LOG.warn(
                            "in-doubt transaction {} stays unresolved: a participant held its commit marker"
                                    + " past {}; the next recovery run resolves it",
                            gid,
                            gidDeadline);
                    metrics.twoPhase("recovery_deferred");
                    return false;
                }
                for (int s : unblocked) {
                    block(s, gid);
                }
            }
        } catch (SQLException e) {
            LOG.warn("could not resolve in-doubt transaction {}; the next recovery run retries it", gid, e);
            metrics.twoPhase("recovery_deferred");
            return false;
        }
    }

    private static boolean isPrepared(Connection c, String gid) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("select 1 from pg_prepared_xacts where gid = ? and database = current_database()")) {
            ps.setString(1, gid);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static Marker marker(Connection c, String gid) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select aborted from strata_meta.tx_markers where gid = ?")) {
            ps.setString(1, gid);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Marker.NONE;
                }
                return rs.getBoolean(1) ? Marker.ABORTED : Marker.COMMITTED;
            }
        }
    }

    /** Inserts an aborted marker; waits at most the lock timeout for an in-flight participant's key. */
    private void block(int s, String gid) throws SQLException {
        try (Connection c = TxMarkers.primary(shards.get(s))) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement();
                    PreparedStatement ps = c.prepareStatement("insert into strata_meta.tx_markers (gid, aborted)"
                            + " values (?, true) on conflict (gid) do nothing")) {
                st.execute("set local lock_timeout = " + Math.max(1, lockTimeout.toMillis()));
                ps.setString(1, gid);
                ps.executeUpdate();
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                if (!"55P03".equals(e.getSQLState())) { // lock_not_available: re-read and retry
                    throw e;
                }
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    private void finish(String gid, boolean[] prepared, boolean commit) throws SQLException {
        String sql = (commit ? "COMMIT PREPARED '" : "ROLLBACK PREPARED '") + TwoPhaseCommit.checked(gid) + "'";
        for (int s = 0; s < shards.size(); s++) {
            if (!prepared[s]) {
                continue;
            }
            try (Connection c = TxMarkers.primary(shards.get(s));
                    Statement st = c.createStatement()) {
                st.execute(sql);
                LOG.info("recovered {} on {}: {}", gid, shardNames.get(s), commit ? "committed" : "rolled back");
            } catch (SQLException e) {
                if (!"42704".equals(e.getSQLState())) { // already finished by its coordinator or another recovery
                    throw e;
                }
            }
        }
        metrics.twoPhase(commit ? "recovered_commit" : "recovered_rollback");
    }

    /** Old-format gids of this coordinator, decided in the (deprecated) local coordinator log. */
    private int resolveLegacy(List<String> gids) throws SQLException {
        if (legacyLog == null || !Files.exists(legacyLog)) {
            LOG.warn(
                    "prepared transactions {} use the format of a previous Strata version (decided in a local"
                            + " coordinator log) and no log file {} exists: they are left prepared; resolve them"
                            + " by hand (COMMIT PREPARED / ROLLBACK PREPARED)",
                    gids,
                    legacyLog);
            return 0;
        }
        Set<String> committed;
        try (CoordinatorLog log = new CoordinatorLog(legacyLog)) {
            committed = log.committed();
        } catch (IOException e) {
            throw new SQLException(
                    "Strata: cannot read the coordinator log " + legacyLog + ": " + e.getMessage(), "58030", e);
        }
        int resolved = 0;
        for (String gid : gids) {
            Matcher m = GID.matcher(gid);
            if (!m.matches()) {
                continue;
            }
            boolean commit = committed.contains(m.group(2));
            boolean[] prepared = new boolean[shards.size()];
            for (int s = 0; s < shards.size(); s++) {
                try (Connection c = TxMarkers.primary(shards.get(s))) {
                    prepared[s] = isPrepared(c, gid);
                }
            }
            finish(gid, prepared, commit);
            resolved++;
        }
        return resolved;
    }
}
