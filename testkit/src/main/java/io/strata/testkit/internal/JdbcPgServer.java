package io.strata.testkit.internal;

import io.strata.testkit.PgServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import org.awaitility.Awaitility;
import org.jspecify.annotations.Nullable;

/** What every {@link PgServer} does over JDBC, whatever runs the server. */
abstract class JdbcPgServer implements PgServer {

    /** A statement on a frozen or dying server fails after this long instead of hanging. */
    private static final int SOCKET_TIMEOUT_SECONDS = 30;

    private final String name;

    JdbcPgServer(String name) {
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String user() {
        return "postgres";
    }

    @Override
    public String database() {
        return "postgres";
    }

    @Override
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + host() + ":" + port() + "/" + database;
    }

    @Override
    public Connection connect() throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", user());
        props.setProperty("connectTimeout", "5");
        props.setProperty("socketTimeout", Integer.toString(SOCKET_TIMEOUT_SECONDS));
        props.setProperty("ApplicationName", "strata-testkit");
        return DriverManager.getConnection(jdbcUrl(), props);
    }

    @Override
    public void execute(String sql) {
        try (Connection c = connect();
                Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(name + ": " + sql + ": " + e.getMessage(), e);
        }
    }

    @Override
    public long queryLong(String sql) {
        String value = queryString(sql);
        if (value == null) {
            throw new IllegalStateException(name + ": " + sql + " returned NULL");
        }
        return Long.parseLong(value);
    }

    @Override
    public String queryString(String sql) {
        try (Connection c = connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            if (!rs.next()) {
                throw new IllegalStateException(name + ": " + sql + " returned no row");
            }
            return rs.getString(1);
        } catch (SQLException e) {
            throw new IllegalStateException(name + ": " + sql + ": " + e.getMessage(), e);
        }
    }

    @Override
    public boolean inRecovery() {
        return "t".equals(queryString("SELECT pg_is_in_recovery()"));
    }

    @Override
    public String currentWalLsn() {
        return queryString("SELECT pg_current_wal_lsn()");
    }

    @Override
    public String replayLsn() {
        return queryString("SELECT pg_last_wal_replay_lsn()");
    }

    @Override
    public void pauseReplay() {
        requireReplica("pauseReplay");
        execute("SELECT pg_wal_replay_pause()");
        await("replay paused", () -> "paused".equals(queryString("SELECT pg_get_wal_replay_pause_state()")));
    }

    @Override
    public void resumeReplay() {
        requireReplica("resumeReplay");
        execute("SELECT pg_wal_replay_resume()");
        await("replay resumed", () -> "not paused".equals(queryString("SELECT pg_get_wal_replay_pause_state()")));
    }

    /**
     * Waits until this replica has replayed everything its primary had written when called (if
     * the primary answers; else everything the replica has received), resuming a paused replay,
     * then promotes and returns once the server is out of recovery and accepts writes.
     */
    @Override
    public void promote() {
        requireReplica("promote");
        if (!"not paused".equals(queryString("SELECT pg_get_wal_replay_pause_state()"))) {
            resumeReplay();
        }
        String target = upstreamWalLsn();
        await(
                "caught up before promotion",
                () -> "t"
                        .equals(queryString(
                                target == null
                                        ? "SELECT pg_last_wal_replay_lsn() >= coalesce(pg_last_wal_receive_lsn(), '0/0'::pg_lsn)"
                                        : "SELECT pg_last_wal_replay_lsn() >= '" + target + "'::pg_lsn")));
        execute("SELECT pg_promote(true, 60)");
        await("promoted and writable", () -> !inRecovery() && "off".equals(queryString("SHOW transaction_read_only")));
    }

    /**
     * The current WAL position of the primary this replica streams from, or null when unknown
     * (no such server, or it is stopped, frozen or not answering).
     */
    @Nullable
    String upstreamWalLsn() {
        return null;
    }

    @Override
    public int terminateBackends() {
        return (int) queryLong("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                + "WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'");
    }

    private void requireReplica(String operation) {
        if (!inRecovery()) {
            throw new IllegalStateException(operation + " needs a server in recovery, and " + name + " is not");
        }
    }

    void await(String what, java.util.concurrent.Callable<Boolean> condition) {
        Awaitility.await(name + ": " + what)
                .atMost(Duration.ofSeconds(60))
                .pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(20))
                .ignoreExceptions()
                .until(condition);
    }

    @Override
    public String toString() {
        return name + "@" + host() + ":" + port();
    }
}
