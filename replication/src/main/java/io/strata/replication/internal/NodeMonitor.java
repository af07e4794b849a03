package io.strata.replication.internal;

import io.micrometer.core.instrument.Clock;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The monitor of one server, shared by every replica set in the JVM that names the same server
 * with the same settings ({@link MonitorKey}): one thread, at most one connection (outside the
 * pools, so pool exhaustion cannot blind it), one poll per {@code pollInterval}, and every
 * observation fanned out to each subscribed {@link Node}. A frozen node only delays its own
 * observations.
 *
 * <p>In a cluster ({@link SampleExchange}) the member the exchange assigns polls and publishes;
 * the others apply the published samples ({@link #onRemote}) and poll only while the newest one
 * is older than the exchange's sample timeout (the poller died, or delivery is slow), and close
 * their connection once they stop.
 *
 * <p>Concurrency: polls run under {@code pollLock} (the scheduled tick and a replica set's
 * first synchronous poll); observations are applied under {@code applyLock}, local and remote,
 * so each subscriber sees them in order of their (conservative) send times: one older than the
 * newest applied is dropped, which only makes a replica look staler. Lock order: applyLock, then
 * a replica set's lock.
 */
final class NodeMonitor {

    private static final Logger LOG = LoggerFactory.getLogger(NodeMonitor.class);

    // One round trip. pg_current_wal_lsn() and pg_walfile_name() fail in recovery, so they sit
    // behind CASE (volatile functions are not evaluated early). The WAL file name starts with
    // the current timeline in hexadecimal.
    static final String POLL_SQL = "select pg_is_in_recovery(), "
            + "(case when pg_is_in_recovery() then coalesce(pg_last_wal_replay_lsn(), '0/0'::pg_lsn) "
            + "else pg_current_wal_lsn() end - '0/0'::pg_lsn)::bigint, "
            + "case when pg_is_in_recovery() then null else substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8) end";

    /** The application_name of monitor connections, so servers can count them. */
    static final String APPLICATION_NAME = "strata-lag-monitor";

    /** A replica set's node that receives this monitor's observations. */
    record Subscriber(ReplicaSet set, Node node) {}

    final MonitorKey key;
    private final Clock clock;
    private final @Nullable SampleExchange cluster;
    private final ScheduledThreadPoolExecutor executor;
    private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
    private final Object pollLock = new Object();
    private final Object applyLock = new Object();

    /** Polls this member sent because it is the assigned poller or has no cluster. */
    final LongAdder polls = new LongAdder();
    /** Polls this member sent because the cluster's samples were too old. */
    final LongAdder fallbackPolls = new LongAdder();
    /** Samples from other members that were applied. */
    final LongAdder samplesReceived = new LongAdder();
    /** Samples from other members dropped: older than what was applied, or implausible clocks. */
    final LongAdder samplesDropped = new LongAdder();

    /** Guarded by the registry ({@link LagMonitors}). */
    int users;

    // guarded by pollLock
    private @Nullable Connection connection;
    private @Nullable PreparedStatement statement;
    private volatile boolean connected;

    // guarded by applyLock
    private long lastAppliedNanos = Long.MIN_VALUE;
    /** Conservative send time of the newest sample applied from the cluster. */
    private volatile long lastRemoteNanos;

    NodeMonitor(MonitorKey key, int index) {
        this.key = key;
        this.clock = key.clock();
        this.cluster = key.clusterName() != null ? key.cluster() : null;
        ScheduledThreadPoolExecutor ex = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "strata-lag-monitor-" + index);
            t.setDaemon(true);
            return t;
        });
        ex.setRemoveOnCancelPolicy(true);
        ex.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.executor = ex;
        // A new member waits one timeout for the cluster's samples before it polls for itself.
        this.lastRemoteNanos = clock.monotonicTime();
    }

    void start() {
        if (cluster != null) {
            cluster.register(this);
        }
        schedule(key.pollInterval().toNanos());
    }

    private void schedule(long delayNanos) {
        try {
            executor.schedule(this::tick, delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // closed
        }
    }

    void subscribe(Subscriber s) {
        subscribers.add(s);
    }

    void unsubscribe(Subscriber s) {
        subscribers.remove(s);
    }

    boolean connected() {
        return connected;
    }

    /**
     * One step, then the next is scheduled (a fixed delay, like before: a slow poll delays the
     * next). While another member polls and its samples are fresh, this member only checks their
     * age, every quarter of the sample timeout (at least every poll interval), instead of waking
     * every poll interval: a member that polls nothing costs next to nothing.
     */
    private void tick() {
        long interval = key.pollInterval().toNanos();
        long next = interval;
        try {
            if (cluster == null) {
                pollAndApply(false);
            } else if (cluster.assignedHere(this)) {
                Observation o = pollAndApply(false);
                cluster.publish(this, o);
            } else if (clock.monotonicTime() - lastRemoteNanos > cluster.sampleTimeoutNanos()) {
                pollAndApply(true); // the cluster's samples are too old: see for ourselves
            } else {
                synchronized (pollLock) {
                    closeConnection(); // another member polls: hold no connection to the server
                }
                next = Math.max(interval, cluster.sampleTimeoutNanos() / 4);
            }
        } catch (RuntimeException e) {
            LOG.warn("lag monitor of {}: {}", key.target(), e.toString());
        } finally {
            schedule(next);
        }
    }

    /** Polls now on the calling thread and applies the result to every subscriber. */
    Observation pollAndApply(boolean fallback) {
        Observation o;
        synchronized (pollLock) {
            (fallback ? fallbackPolls : polls).increment();
            o = poll();
        }
        apply(o, o.sentAtNanos(), false);
        return o;
    }

    /**
     * A sample another member took, already placed on this member's clock: {@code sentAtNanos} is
     * no later than the poll's true send time (see {@code ClusterSamples}).
     */
    void onRemote(Observation o, long sentAtNanos) {
        apply(o, sentAtNanos, true);
    }

    /** Counts a remote sample dropped before it reached {@link #onRemote}. */
    void dropped() {
        samplesDropped.increment();
    }

    private void apply(Observation o, long sentAt, boolean remote) {
        synchronized (applyLock) {
            if (o.ok() && lastAppliedNanos != Long.MIN_VALUE && sentAt - lastAppliedNanos < 0) {
                // Older than what was applied (a delayed remote sample, or a local poll overtaken by
                // one): dropping it only lets staleness grow.
                if (remote) {
                    samplesDropped.increment();
                }
                return;
            }
            if (remote) {
                samplesReceived.increment();
                if (sentAt - lastRemoteNanos > 0) {
                    lastRemoteNanos = sentAt;
                }
            }
            if (!o.ok()) {
                for (Subscriber s : subscribers) {
                    s.set().onPollFailure(s.node());
                }
                return;
            }
            lastAppliedNanos = sentAt;
            for (Subscriber s : subscribers) {
                s.set().onObservation(s.node(), sentAt, o.inRecovery(), o.lsn(), o.timeline());
            }
        }
    }

    // guarded by pollLock
    private Observation poll() {
        long sentAt = clock.monotonicTime();
        long sentWall = clock.wallTime();
        try {
            if (connection == null) {
                connection = open();
                connected = true;
                statement = connection.prepareStatement(POLL_SQL);
            }
            // set together with connection; a failed prepare is cleaned up by closeConnection()
            PreparedStatement st = Objects.requireNonNull(statement, "prepared when connection was opened");
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                boolean inRecovery = rs.getBoolean(1);
                long lsn = rs.getLong(2);
                String tl = rs.getString(3);
                long timeline = tl == null ? 0 : Long.parseLong(tl, 16);
                return new Observation(sentAt, sentWall, true, inRecovery, lsn, timeline);
            }
        } catch (SQLException | RuntimeException e) {
            if (subscribers.stream().anyMatch(s -> s.node().up)) {
                LOG.warn("node {} did not answer the lag monitor: {}", key.target(), e.toString());
            }
            closeConnection();
            return Observation.failed(sentAt, sentWall);
        }
    }

    private Connection open() throws SQLException {
        Duration timeout = key.nodeTimeout();
        int seconds = (int) Math.max(1, (timeout.toMillis() + 999) / 1000);
        Connection c;
        if (key.jdbcUrl() != null) {
            Properties props = new Properties();
            if (key.username() != null) {
                props.setProperty("user", key.username());
            }
            if (key.password() != null) {
                props.setProperty("password", key.password());
            }
            props.setProperty("connectTimeout", Integer.toString(seconds));
            props.setProperty("loginTimeout", Integer.toString(seconds));
            props.setProperty("socketTimeout", Integer.toString(seconds));
            props.setProperty("ApplicationName", APPLICATION_NAME);
            c = DriverManager.getConnection(key.jdbcUrl(), props);
        } else {
            DataSource ds = Objects.requireNonNull(
                    key.dataSource(), "the builder requires a JDBC URL or a DataSource per node");
            c = key.username() != null ? ds.getConnection(key.username(), key.password()) : ds.getConnection();
        }
        try {
            c.setAutoCommit(true);
            c.setNetworkTimeout(Runnable::run, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        return c;
    }

    // guarded by pollLock
    private void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // already broken
            }
            connection = null;
            statement = null;
            connected = false;
        }
    }

    /** Stops polling and closes the connection (the last user is gone). */
    void close() {
        if (cluster != null) {
            cluster.unregister(this);
        }
        executor.shutdownNow();
        try {
            executor.awaitTermination(key.nodeTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (pollLock) {
            closeConnection();
        }
    }
}
