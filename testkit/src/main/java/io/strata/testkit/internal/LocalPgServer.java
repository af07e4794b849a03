package io.strata.testkit.internal;

import io.strata.testkit.StopMode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * A {@code postgres} process this JVM started (not through {@code pg_ctl}, so the JVM holds the
 * process handle and can signal the postmaster and its backends directly).
 *
 * <p>Concurrency: fault methods are {@code synchronized}; a test drives one server from one
 * thread at a time, and the lock only keeps a start from racing a kill.
 */
final class LocalPgServer extends JdbcPgServer {

    private final PgBinaries binaries;
    private final Path dataDir;
    private final Path logFile;
    private final int port;
    private final Duration startTimeout;
    private @Nullable Process process;
    private List<ProcessHandle> frozen = List.of();
    /** The primary a replica was started against (null for a primary). */
    private volatile @Nullable LocalPgServer upstream;

    LocalPgServer(String name, PgBinaries binaries, Path dataDir, Path logFile, int port, Duration startTimeout) {
        super(name);
        this.binaries = binaries;
        this.dataDir = dataDir;
        this.logFile = logFile;
        this.port = port;
        this.startTimeout = startTimeout;
    }

    @Override
    public String host() {
        return "127.0.0.1";
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public synchronized long pid() {
        return process == null ? -1 : process.pid();
    }

    @Override
    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    @Override
    public Path dataDirectory() {
        return dataDir;
    }

    @Override
    public Path logFile() {
        return logFile;
    }

    /** Launches the postmaster without waiting for it to accept connections. */
    synchronized void launch() {
        if (isRunning()) {
            throw new IllegalStateException(name() + " is already running");
        }
        try {
            Files.deleteIfExists(dataDir.resolve("postmaster.pid"));
            process = new ProcessBuilder(binaries.bin().resolve("postgres").toString(), "-D", dataDir.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start postgres for " + name(), e);
        }
        Processes.track(process.toHandle());
    }

    /** Waits until the server accepts connections (a standby: once it is consistent). */
    void awaitAccepting() {
        try {
            Awaitility.await(name() + " accepting connections")
                    .atMost(startTimeout)
                    .pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(25))
                    .until(this::accepting);
        } catch (ConditionTimeoutException e) {
            throw new IllegalStateException(
                    name() + " did not accept connections within " + startTimeout + "; end of its log:\n" + logTail(),
                    e);
        }
    }

    private boolean accepting() {
        Process p;
        synchronized (this) {
            p = process;
        }
        if (p == null || !p.isAlive()) {
            throw new IllegalStateException(name() + " exited while starting; end of its log:\n" + logTail());
        }
        try (Connection c = connect()) {
            return c.isValid(2);
        } catch (java.sql.SQLException e) {
            return false;
        }
    }

    @Override
    public void start() {
        launch();
        awaitAccepting();
    }

    @Override
    @SuppressWarnings("NullAway") // isRunning() has checked that process is set
    public synchronized void stop(StopMode mode) {
        if (!isRunning()) {
            return;
        }
        thawIfFrozen();
        List<ProcessHandle> tree = Processes.tree(process.toHandle());
        String signal = switch (mode) {
            case SMART -> "TERM";
            case FAST -> "INT";
            case IMMEDIATE -> "QUIT";
        };
        Processes.signal(signal, List.of(process.toHandle()));
        if (!Processes.awaitExit(tree, 60_000)) {
            throw new IllegalStateException(name() + " did not stop (" + mode + ") within 60 s");
        }
        reap();
    }

    /**
     * Waits until the JVM has reaped the exited postmaster: {@code Process.isAlive()} stays true
     * for a zombie, so without this {@link #isRunning()} could still say true after a stop.
     */
    @SuppressWarnings("NullAway") // called by stop() and kill() after isRunning() has checked that process is set
    private void reap() {
        try {
            if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                throw new IllegalStateException(name() + ": the postmaster exited but was not reaped within 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(name() + ": interrupted while reaping the postmaster", e);
        }
        Processes.untrack(process.toHandle());
    }

    @Override
    @SuppressWarnings("NullAway") // isRunning() has checked that process is set
    public synchronized void kill() {
        if (!isRunning()) {
            return;
        }
        List<ProcessHandle> tree = Processes.tree(process.toHandle());
        Processes.signal("KILL", tree); // SIGKILL works on stopped processes too
        if (!Processes.awaitExit(tree, 30_000)) {
            throw new IllegalStateException(name() + " survived SIGKILL for 30 s");
        }
        frozen = List.of();
        reap();
        releaseInterlockSegment();
    }

    /**
     * Removes the System V shared memory segment a killed postmaster leaves behind. PostgreSQL
     * keeps a small "interlock" segment (56 bytes) whose id it writes on line 7 of
     * {@code postmaster.pid} and removes at any shutdown but a SIGKILL; every killed test server
     * (a fault, or a topology's close) would otherwise leak one, and after some thousand the kernel's
     * {@code SHMMNI} limit (4096) stops every PostgreSQL on the machine from starting ("could not
     * create shared memory segment: No space left on device"). The whole process tree has exited,
     * so nothing is attached to the segment any more.
     */
    private void releaseInterlockSegment() {
        Path pidFile = dataDir.resolve("postmaster.pid");
        try {
            List<String> lines = Files.readAllLines(pidFile);
            if (lines.size() < 7) {
                return;
            }
            String[] keyAndId = lines.get(6).trim().split("\\s+");
            if (keyAndId.length != 2 || !keyAndId[1].matches("\\d+")) {
                return;
            }
            Process ipcrm = new ProcessBuilder("ipcrm", "-m", keyAndId[1])
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (!ipcrm.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                ipcrm.destroyForcibly();
            }
        } catch (java.nio.file.NoSuchFileException e) {
            // a postmaster that never got far enough to write it, or removed it: nothing to release
        } catch (IOException e) {
            // ipcrm missing or unreadable pid file: the segment stays, as it did before
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * SIGSTOPs the postmaster first (so it forks no new backend), then every descendant, then
     * any child that was being forked meanwhile; returns once every process reports stopped.
     * Signals go through one long-lived shell ({@link Processes#signal}), so the whole tree
     * stops within a few milliseconds, well inside a monitor's poll interval.
     */
    @Override
    @SuppressWarnings("NullAway") // isRunning() has checked that process is set
    public synchronized void freeze() {
        if (!isRunning()) {
            throw new IllegalStateException(name() + " is not running");
        }
        ProcessHandle root = process.toHandle();
        Processes.signal("STOP", List.of(root));
        List<ProcessHandle> tree = new java.util.ArrayList<>(List.of(root));
        while (true) {
            List<ProcessHandle> fresh =
                    root.descendants().filter(p -> !tree.contains(p)).toList();
            if (fresh.isEmpty()) {
                break;
            }
            Processes.signal("STOP", fresh);
            tree.addAll(fresh);
        }
        frozen = List.copyOf(tree);
        awaitState("frozen", true);
    }

    /** Waits, polling /proc every half millisecond, until every live process of the tree is (not) stopped. */
    private void awaitState(String what, boolean stopped) {
        List<ProcessHandle> tree = frozen.isEmpty() && !stopped ? List.of() : frozen;
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
        while (!tree.stream().allMatch(p -> {
            char s = Processes.state(p.pid());
            return s == '?' || s == 'Z' || s == 'X' || ((s == 'T' || s == 't') == stopped);
        })) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name() + " not " + what + " within 60 s");
            }
            java.util.concurrent.locks.LockSupport.parkNanos(500_000);
        }
    }

    @Override
    public synchronized void thaw() {
        thawIfFrozen();
    }

    private void thawIfFrozen() {
        if (frozen.isEmpty()) {
            return;
        }
        Processes.signal("CONT", frozen);
        awaitState("thawed", false);
        frozen = List.of();
    }

    void upstream(LocalPgServer primary) {
        this.upstream = primary;
    }

    @Override
    @Nullable
    String upstreamWalLsn() {
        LocalPgServer u = upstream;
        if (u == null || !u.isRunning() || u.isFrozen()) {
            return null;
        }
        try {
            return u.queryString("SELECT CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_lsn()::text END");
        } catch (RuntimeException e) {
            return null; // stopping or unreachable: what this replica received is all there is
        }
    }

    /** Whether {@link #freeze()} holds this server stopped. */
    synchronized boolean isFrozen() {
        return !frozen.isEmpty();
    }

    String logTail() {
        try {
            List<String> lines = Files.readAllLines(logFile);
            return lines.subList(Math.max(0, lines.size() - 30), lines.size()).stream()
                    .collect(Collectors.joining("\n"));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
