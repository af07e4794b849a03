package io.strata.testkit;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * One PostgreSQL server of a {@link PgTopology}: a shard's primary or one of its streaming replicas.
 *
 * <p>Every fault-injection method returns once its effect holds (a paused replica reports its
 * replay paused, a promoted one is out of recovery, a stopped one has exited), so tests never
 * sleep and hope.
 */
public interface PgServer {

    /** A stable name such as {@code shard0-primary} or {@code shard0-replica1}. */
    String name();

    /** The loopback address the server listens on. */
    String host();

    /** The TCP port, unchanged across restarts. */
    int port();

    /** The superuser name (trust authentication on loopback). */
    String user();

    /** The default database, {@code postgres}. */
    String database();

    /** A pgjdbc URL for the default database. */
    default String jdbcUrl() {
        return jdbcUrl(database());
    }

    /** A pgjdbc URL for the given database on this server. */
    String jdbcUrl(String database);

    /** Opens a new connection to the default database; the caller closes it. */
    Connection connect() throws SQLException;

    /** Runs one SQL statement on a fresh connection. */
    void execute(String sql);

    /** Runs a query that returns one {@code bigint}-compatible value. */
    long queryLong(String sql);

    /** Runs a query that returns one value as text ({@code null} for SQL NULL). */
    String queryString(String sql);

    /** The postmaster's process id, or -1 when the backend has no local process. */
    long pid();

    /** Whether the server process is alive (a frozen server is alive). */
    boolean isRunning();

    /** {@code pg_is_in_recovery()}: true for a standby. */
    boolean inRecovery();

    /** {@code pg_current_wal_lsn()} as text, on a primary. */
    String currentWalLsn();

    /** {@code pg_last_wal_replay_lsn()} as text, on a replica. */
    String replayLsn();

    /** Pauses WAL replay on a replica; returns once replay reports paused. */
    void pauseReplay();

    /** Resumes WAL replay on a replica; returns once replay reports not paused. */
    void resumeReplay();

    /** Stops the server with {@link StopMode#FAST}. */
    default void stop() {
        stop(StopMode.FAST);
    }

    /** Stops the server; returns once every one of its processes has exited. */
    void stop(StopMode mode);

    /** Kills the server and its backends with SIGKILL; returns once they are gone. */
    void kill();

    /**
     * Suspends every process of the server (SIGSTOP to the postmaster, then to each of its
     * processes): it keeps its sockets but answers nothing. Returns once every process is
     * stopped, within a few milliseconds on a local server.
     */
    void freeze();

    /** Resumes a frozen server (SIGCONT). */
    void thaw();

    /** Starts a stopped or killed server on the same port and data; returns once it accepts connections. */
    void start();

    /** Stops (fast) and starts the server. */
    default void restart() {
        stop(StopMode.FAST);
        start();
    }

    /**
     * Promotes a replica. First waits until it has replayed everything its primary had written
     * when {@code promote} was called (when that primary is running and not frozen; otherwise
     * everything the replica has received), resuming a paused replay; returns once the server is
     * out of recovery and accepts writes. Other replicas keep following the old primary.
     */
    void promote();

    /** Terminates every client backend but the caller's; returns how many were terminated. */
    int terminateBackends();

    /** The data directory, for servers run as local processes. */
    Path dataDirectory();

    /** The server's log file, for servers run as local processes. */
    Path logFile();
}
