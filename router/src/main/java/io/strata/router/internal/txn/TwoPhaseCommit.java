package io.strata.router.internal.txn;

import io.strata.replication.ReplicaSetConnection;
import io.strata.router.internal.execute.RouterMetrics;
import io.strata.router.internal.execute.ShardCalls;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Two-phase commit over PostgreSQL's {@code PREPARE TRANSACTION} / {@code COMMIT PREPARED}, with
 * the commit decision kept in the shards (implicit commit, as in CockroachDB's parallel commits):
 * no coordinator log, no local {@code fsync}.
 *
 * <p>Protocol, for a transaction over n shards with gid {@code strata_<coordinator>_<txid>_<n>}:
 * (1) on every participant, in parallel, one round trip:
 * {@code INSERT INTO strata_meta.tx_markers (gid) VALUES ('<gid>'); PREPARE TRANSACTION '<gid>'};
 * any failure rolls every shard back and the commit fails. (2) Once all n have prepared, the
 * transaction IS committed: that is the commit point, made durable by the shards' own WAL.
 * (3) {@code COMMIT PREPARED} on every shard, in parallel, each attempted whatever the others do;
 * where it fails it is redone on fresh connections while the caller waits (bounded), so that on
 * return the rows are visible on every shard that is up; recovery finishes what is still left. (4) The
 * markers are deleted later, off the critical path ({@link TxMarkers}).
 *
 * <p>Why it is safe: a participant's marker is visible (committed) only after its COMMIT PREPARED,
 * which happens only after all n prepared; a marker inserted inside a prepared transaction holds
 * the key, so {@link InDoubtRecovery} can block a participant that has not prepared by inserting
 * an aborted marker first, after which that participant can never prepare. Recovery therefore
 * commits exactly the gids that are prepared on n shards or have a committed marker, whichever
 * JVM runs it, so coordinators may share an id and need no local disk.
 */
public final class TwoPhaseCommit implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TwoPhaseCommit.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * Observes the protocol between its steps (crash tests stop the JVM there). Methods taking a
     * shard may be called on the router's executor threads, in parallel.
     */
    public interface Listener {
        /** The commit of {@code gid} starts (calling thread), before any shard is sent anything. */
        default void committing(String gid) {}

        /** Shard {@code shard}'s marker insert and PREPARE are about to be sent. */
        default void beforePrepare(String gid, int shard) {}

        /** Shard {@code shard} has prepared {@code gid}. */
        default void prepared(String gid, int shard) {}

        /** Every shard has prepared {@code gid}: it is committed; no COMMIT PREPARED is sent yet. */
        default void decided(String gid) {}

        /** Shard {@code shard}'s COMMIT PREPARED for {@code gid} is about to be sent. */
        default void beforeCommit(String gid, int shard) {}

        /** Shard {@code shard} has run COMMIT PREPARED for {@code gid}. */
        default void committed(String gid, int shard) {}
    }

    /** Timings of the background work; see the router README, "Two-phase commit". */
    public record Settings(
            Duration recoveryAge,
            Duration recoveryEvery,
            Duration markerDeleteEvery,
            Duration markerHorizon,
            Duration lockTimeout,
            Duration gidDeadline,
            Duration finishWait) {

        /**
         * The defaults: recovery every 30 s for gids prepared 30 s ago, markers deleted every second,
         * a commit waits up to 10 s for a participant whose COMMIT PREPARED failed.
         */
        public static Settings defaults() {
            return new Settings(
                    Duration.ofSeconds(30),
                    Duration.ofSeconds(30),
                    Duration.ofSeconds(1),
                    Duration.ofHours(1),
                    Duration.ofMillis(200),
                    Duration.ofSeconds(30),
                    Duration.ofSeconds(10));
        }

        /** These settings with recovery every {@code age} for gids prepared at least {@code age} ago. */
        public Settings withRecoveryAge(Duration age) {
            return new Settings(age, age, markerDeleteEvery, markerHorizon, lockTimeout, gidDeadline, finishWait);
        }

        /** These settings with {@code commit} waiting at most {@code wait} for a failed COMMIT PREPARED to be redone. */
        public Settings withFinishWait(Duration wait) {
            return new Settings(
                    recoveryAge, recoveryEvery, markerDeleteEvery, markerHorizon, lockTimeout, gidDeadline, wait);
        }
    }

    private final String coordinatorId;
    private final RouterMetrics metrics;
    private final ShardCalls calls;
    private final Settings settings;
    private final List<String> shardNames;
    private final List<DataSource> shardSources;
    private final TxMarkers markers;
    private final InDoubtRecovery recovery;
    private final ScheduledExecutorService background;
    private final ExecutorService finisher;
    private final AtomicBoolean started = new AtomicBoolean();
    private volatile Listener listener = new Listener() {};
    /** Tests only: leave a failed COMMIT PREPARED to recovery, as before the finish wait existed. */
    private volatile boolean weakenedFinish;

    /**
     * A coordinator with its id (letters, digits, '-'), the shards, its executor, and the legacy
     * coordinator log file read only to resolve gids of a previous version (may not exist).
     */
    public TwoPhaseCommit(
            String coordinatorId,
            List<String> shardNames,
            List<DataSource> shards,
            Path legacyLog,
            RouterMetrics metrics,
            ShardCalls calls,
            Settings settings) {
        this.coordinatorId = coordinatorId;
        this.metrics = metrics;
        this.calls = calls;
        this.settings = settings;
        this.shardNames = shardNames;
        this.shardSources = shards;
        this.markers = new TxMarkers(shardNames, shards);
        this.recovery = new InDoubtRecovery(
                coordinatorId, shardNames, shards, metrics, settings.lockTimeout(), settings.gidDeadline(), legacyLog);
        this.background = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "strata-router-2pc-" + coordinatorId);
            t.setDaemon(true);
            return t;
        });
        this.finisher = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "strata-router-2pc-finish-" + coordinatorId);
            t.setDaemon(true);
            return t;
        });
        metrics.twoPhaseMarkers(markers);
    }

    /**
     * Creates the markers table where missing, resolves this coordinator's in-doubt transactions
     * (any age) and older ones of any coordinator, and starts the background marker deletion and
     * periodic recovery.
     *
     * @throws IllegalStateException when the markers table cannot be created
     * @throws SQLException when a shard cannot be read for recovery
     */
    public void start() throws SQLException {
        markers.create();
        recovery.run(true, settings.recoveryAge());
        if (started.compareAndSet(false, true)) {
            long del = settings.markerDeleteEvery().toMillis();
            background.scheduleWithFixedDelay(this::deleteMarkers, del, del, TimeUnit.MILLISECONDS);
            long rec = settings.recoveryEvery().toMillis();
            background.scheduleWithFixedDelay(this::periodicRecovery, rec, rec, TimeUnit.MILLISECONDS);
        }
    }

    private void deleteMarkers() {
        try {
            markers.deleteCommitted();
        } catch (RuntimeException e) {
            LOG.warn("commit marker deletion failed", e);
        }
    }

    private void periodicRecovery() {
        try {
            InDoubtRecovery.Run run = recovery.run(false, settings.recoveryAge());
            markers.sweep(run.prepared(), settings.markerHorizon());
        } catch (SQLException | RuntimeException e) {
            LOG.warn("periodic recovery of in-doubt two-phase transactions failed; it runs again", e);
        }
    }

    /** Tests only: a deliberately weakened commit that leaves a failed COMMIT PREPARED to recovery. */
    void weakenFinish() {
        weakenedFinish = true;
    }

    /** Installs a listener (tests). */
    public void listener(Listener listener) {
        this.listener = listener;
    }

    /** The prefix of this coordinator's global transaction ids. */
    public String gidPrefix() {
        return "strata_" + coordinatorId + "_";
    }

    /** The commit markers (pending deletions, for metrics and tests). */
    public TxMarkers markers() {
        return markers;
    }

    InDoubtRecovery recovery() {
        return recovery;
    }

    /** A gid Strata generated, checked again before it is spliced into PREPARE / COMMIT PREPARED. */
    static String checked(String gid) {
        if (!InDoubtRecovery.GID.matcher(gid).matches()) {
            throw new IllegalArgumentException("not a Strata gid: " + gid);
        }
        return gid;
    }

    /**
     * Commits the open transactions on {@code connections} (one per written shard, {@code shards}
     * their indexes) atomically. On return the transaction is committed (every shard has prepared)
     * and visible on every shard, unless a shard's COMMIT PREPARED failed and could not be redone
     * within {@link Settings#finishWait} (then it is finished in the background and by recovery).
     * On an exception none has committed, except under SQLState 08007 (outcome unknown), which
     * says so.
     */
    public void commit(int[] shards, List<Connection> connections) throws SQLException {
        byte[] bytes = new byte[12];
        RANDOM.nextBytes(bytes);
        int n = connections.size();
        String gid = checked(gidPrefix() + HexFormat.of().formatHex(bytes) + "_" + n);
        // PREPARE TRANSACTION takes no bind parameters; the gid is generated and checked above.
        String prepare =
                "INSERT INTO strata_meta.tx_markers (gid) VALUES ('" + gid + "'); PREPARE TRANSACTION '" + gid + "'";
        Listener l = listener;
        l.committing(gid);
        boolean[] prepared = new boolean[n];
        // refused[i]: participant i never prepared and never will (not sent, or the server
        // answered its marker insert / PREPARE with an error, which aborts its transaction)
        boolean[] refused = new boolean[n];
        java.util.Arrays.fill(refused, true);
        try {
            calls.runAll(n, i -> {
                l.beforePrepare(gid, shards[i]);
                refused[i] = false;
                try (Statement st = connections.get(i).createStatement()) {
                    st.execute(prepare);
                } catch (SQLException e) {
                    refused[i] = answeredByServer(e);
                    throw e;
                }
                prepared[i] = true;
                l.prepared(gid, shards[i]);
            });
        } catch (SQLException e) {
            boolean rollbackFailed = abort(connections, prepared, gid);
            boolean neverCommits = false;
            for (boolean r : refused) {
                neverCommits |= r;
            }
            // A failed ROLLBACK PREPARED matters only when every participant may have prepared
            // (an ambiguous I/O failure): then recovery may have committed it.
            boolean unknown = rollbackFailed && !neverCommits;
            metrics.twoPhase("aborted");
            if (unknown) {
                throw new SQLException(
                        "Strata: two-phase commit " + gid + " failed to prepare (" + e.getMessage()
                                + ") and a prepared shard could not be rolled back: the outcome is unknown until"
                                + " recovery resolves it; check the rows before retrying",
                        "08007",
                        e);
            }
            boolean blocked = "23505".equals(e.getSQLState())
                    && e.getMessage() != null
                    && e.getMessage().contains("tx_markers");
            throw new SQLException(
                    "Strata: two-phase commit aborted, nothing was committed: "
                            + (blocked
                                    ? "recovery of in-doubt transactions aborted it while it was committing; retry"
                                            + " the transaction"
                                    : e.getMessage()),
                    blocked ? "40001" : e.getSQLState() == null ? "40000" : e.getSQLState(),
                    e);
        }
        // Commit point: every participant prepared. Nothing local needs to be made durable.
        l.decided(gid);
        boolean[] finished = new boolean[n];
        try {
            calls.runEvery(n, i -> {
                l.beforeCommit(gid, shards[i]);
                finish(connections.get(i), "COMMIT PREPARED '" + gid + "'");
                finished[i] = true;
                l.committed(gid, shards[i]);
            });
            markers.committed(gid, shards.clone());
        } catch (SQLException e) {
            if (weakenedFinish) {
                LOG.warn("COMMIT PREPARED {} failed; left to recovery (weakened for a test)", gid, e);
            } else {
                finishElsewhere(gid, shards, finished, e);
            }
        }
        metrics.twoPhase("committed");
    }

    /**
     * A participant's COMMIT PREPARED failed (its server restarted, its connection broke): the
     * transaction is committed, but until that shard runs COMMIT PREPARED its rows stay invisible
     * there (and locked). So the commit does not return yet: fresh connections from the shard's pool
     * redo COMMIT PREPARED, and the caller waits up to {@link Settings#finishWait} for them. Past
     * that the caller gets success (the transaction is committed) and the retries go on in the
     * background until the recovery age, after which periodic recovery finishes it.
     */
    private void finishElsewhere(String gid, int[] shardIndexes, boolean[] finished, SQLException cause) {
        List<Integer> left = new ArrayList<>();
        for (int i = 0; i < finished.length; i++) {
            if (!finished[i]) {
                left.add(shardIndexes[i]);
            }
        }
        LOG.warn(
                "COMMIT PREPARED {} failed on {}; the transaction is committed, retrying it there on fresh connections",
                gid,
                names(left),
                cause);
        long deadline = System.nanoTime() + settings.recoveryAge().toNanos();
        Future<?> done;
        try {
            done = finisher.submit(() -> {
                redoCommitPrepared(gid, left, deadline);
                markers.committed(gid, shardIndexes.clone());
                return null;
            });
        } catch (RejectedExecutionException closed) {
            return; // closing: recovery finishes it at the next start
        }
        try {
            done.get(settings.finishWait().toMillis(), TimeUnit.MILLISECONDS);
            metrics.twoPhase("finished_on_retry");
        } catch (TimeoutException slow) {
            LOG.warn(
                    "{} is committed but {} has not run COMMIT PREPARED after {}: its rows there stay invisible"
                            + " until it does (retried in the background, then by recovery)",
                    gid,
                    names(left),
                    settings.finishWait());
            metrics.twoPhase("finish_pending");
        } catch (ExecutionException failed) {
            LOG.warn("{} is committed; recovery finishes it on {}", gid, names(left), failed.getCause());
            metrics.twoPhase("finish_pending");
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt(); // committed all the same; the retries go on
        }
    }

    /** Runs COMMIT PREPARED {@code gid} on each of {@code left} until it succeeds or {@code deadline} passes. */
    private void redoCommitPrepared(String gid, List<Integer> left, long deadline)
            throws SQLException, InterruptedException {
        String sql = "COMMIT PREPARED '" + checked(gid) + "'";
        for (int s : left) {
            long pause = 20;
            while (true) {
                try (Connection c = TxMarkers.primary(shardSources.get(s));
                        Statement st = c.createStatement()) {
                    st.execute(sql);
                    break;
                } catch (SQLException e) {
                    if ("42704".equals(e.getSQLState())) {
                        break; // no such prepared transaction: the first attempt did commit it, or recovery did
                    }
                    if (System.nanoTime() - deadline > 0) {
                        throw e;
                    }
                }
                Thread.sleep(pause); // the server is restarting: a pause between attempts, not a wait for an effect
                pause = Math.min(pause * 2, 1_000);
            }
            LOG.info("{} committed on {} on a fresh connection", gid, shardNames.get(s));
        }
    }

    private String names(List<Integer> indexes) {
        List<String> out = new ArrayList<>();
        for (int s : indexes) {
            out.add(shardNames.get(s));
        }
        return String.join(", ", out);
    }

    /** Whether the server answered with an error (so that participant's transaction is aborted), not an I/O failure. */
    private static boolean answeredByServer(SQLException e) {
        String state = e.getSQLState();
        return state != null && !state.startsWith("08") && !state.startsWith("57P");
    }

    /** Rolls every shard back; true when a prepared shard could not be rolled back. */
    private static boolean abort(List<Connection> all, boolean[] prepared, String gid) {
        boolean unknown = false;
        for (int i = 0; i < all.size(); i++) {
            Connection c = all.get(i);
            try {
                if (prepared[i]) {
                    finish(c, "ROLLBACK PREPARED '" + gid + "'");
                } else {
                    c.rollback();
                }
            } catch (SQLException e) {
                if (prepared[i]) {
                    unknown = true; // recovery may have committed it if the others had prepared after all
                }
                LOG.warn("rollback of {} failed; recovery will resolve it", gid, e);
            }
        }
        return unknown;
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
     * Resolves in-doubt transactions now: this coordinator's (any age) and any coordinator's
     * prepared at least the recovery age ago. Returns how many were resolved.
     */
    public int recover() throws SQLException {
        return recovery.run(true, settings.recoveryAge()).resolved();
    }

    /** Resolves every prepared Strata transaction at least {@code minAge} old, whatever its coordinator. */
    public int recover(Duration minAge) throws SQLException {
        return recovery.run(false, minAge).resolved();
    }

    /** Stops the background work (queued marker deletions are run once first). */
    @Override
    public void close() {
        finisher.shutdownNow();
        background.shutdownNow();
        try {
            background.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        markers.deleteCommitted();
    }
}
