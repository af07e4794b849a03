package io.strata.replication.internal;

import io.micrometer.core.instrument.Clock;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls every node at a fixed interval over its own connection (one per node, outside the
 * pools, so pool exhaustion cannot blind it): role, the primary's current WAL LSN and timeline,
 * each replica's replay LSN. Each node is polled on its own thread so that a frozen node only
 * delays its own observations; readers treat a node whose last good poll is older than
 * {@code pollInterval + nodeTimeout} as down.
 */
final class LagMonitor implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LagMonitor.class);

    // One round trip. pg_current_wal_lsn() and pg_walfile_name() fail in recovery, so they sit
    // behind CASE (volatile functions are not evaluated early). The WAL file name starts with
    // the current timeline in hexadecimal.
    static final String POLL_SQL = "select pg_is_in_recovery(), "
            + "(case when pg_is_in_recovery() then coalesce(pg_last_wal_replay_lsn(), '0/0'::pg_lsn) "
            + "else pg_current_wal_lsn() end - '0/0'::pg_lsn)::bigint, "
            + "case when pg_is_in_recovery() then null else substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8) end";

    private final ReplicaSet set;
    private final ReplicaSetConfig config;
    private final Clock clock;
    private final ScheduledExecutorService executor;
    private final List<Poller> pollers = new ArrayList<>();

    LagMonitor(ReplicaSet set, ReplicaSetConfig config, List<Node> nodes) {
        this.set = set;
        this.config = config;
        this.clock = config.clock();
        ScheduledThreadPoolExecutor ex = new ScheduledThreadPoolExecutor(nodes.size(), r -> {
            Thread t = new Thread(r, "strata-lag-monitor-" + config.name());
            t.setDaemon(true);
            return t;
        });
        ex.setRemoveOnCancelPolicy(true);
        ex.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.executor = ex;
        for (Node n : nodes) {
            pollers.add(new Poller(n));
        }
    }

    void start() {
        long interval = config.pollInterval().toNanos();
        for (Poller p : pollers) {
            executor.scheduleWithFixedDelay(p, 0, interval, TimeUnit.NANOSECONDS);
        }
    }

    /** Polls every node once on the calling thread (used at start so routing has a view at once). */
    void pollAllOnce() {
        for (Poller p : pollers) {
            p.run();
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
        try {
            executor.awaitTermination(config.nodeTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Poller p : pollers) {
            p.closeConnection();
        }
    }

    private final class Poller implements Runnable {
        private final Node node;
        private @Nullable Connection connection;
        private @Nullable PreparedStatement statement;

        Poller(Node node) {
            this.node = node;
        }

        @Override
        public synchronized void run() {
            long sentAt = clock.monotonicTime();
            try {
                if (connection == null) {
                    connection = open();
                    statement = connection.prepareStatement(POLL_SQL);
                }
                // set together with connection; a failed prepare is cleaned up by closeConnection()
                PreparedStatement st = Objects.requireNonNull(statement, "prepared when connection was opened");
                boolean inRecovery;
                long lsn;
                long timeline;
                try (ResultSet rs = st.executeQuery()) {
                    rs.next();
                    inRecovery = rs.getBoolean(1);
                    lsn = rs.getLong(2);
                    String tl = rs.getString(3);
                    timeline = tl == null ? 0 : Long.parseLong(tl, 16);
                }
                set.onObservation(node, sentAt, inRecovery, lsn, timeline);
            } catch (SQLException | RuntimeException e) {
                if (node.up) {
                    LOG.warn(
                            "replica set {}: node {} did not answer the lag monitor: {}",
                            config.name(),
                            node.name(),
                            e.toString());
                }
                closeConnection();
                set.onPollFailure(node);
            }
        }

        private Connection open() throws SQLException {
            Duration timeout = config.nodeTimeout();
            int seconds = (int) Math.max(1, (timeout.toMillis() + 999) / 1000);
            Connection c;
            if (node.spec.jdbcUrl() != null) {
                Properties props = new Properties();
                if (config.username() != null) {
                    props.setProperty("user", config.username());
                }
                if (config.password() != null) {
                    props.setProperty("password", config.password());
                }
                props.setProperty("connectTimeout", Integer.toString(seconds));
                props.setProperty("loginTimeout", Integer.toString(seconds));
                props.setProperty("socketTimeout", Integer.toString(seconds));
                props.setProperty("ApplicationName", "strata-lag-monitor");
                c = DriverManager.getConnection(node.spec.jdbcUrl(), props);
            } else {
                DataSource ds = Objects.requireNonNull(
                        node.spec.dataSource(), "the builder requires a JDBC URL or a DataSource per node");
                c = config.username() != null
                        ? ds.getConnection(config.username(), config.password())
                        : ds.getConnection();
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

        synchronized void closeConnection() {
            if (connection != null) {
                try {
                    connection.close();
                } catch (SQLException ignored) {
                    // already broken
                }
                connection = null;
                statement = null;
            }
        }
    }
}
