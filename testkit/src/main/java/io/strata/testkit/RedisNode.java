package io.strata.testkit;

import io.strata.testkit.internal.Ports;
import io.strata.testkit.internal.Processes;
import io.strata.testkit.internal.RedisBinaries;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.jspecify.annotations.Nullable;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.args.ClientPauseMode;

/**
 * A real {@code redis-server} process on a free loopback port, with the faults a test needs.
 *
 * <pre>{@code
 * try (RedisNode redis = RedisNode.start()) {
 *     JedisPooled jedis = new JedisPooled(redis.host(), redis.port());
 *     redis.kill();      // SIGKILL: the cache must carry on without it
 *     redis.restart();   // same port, empty
 * }
 * }</pre>
 *
 * <p>The binary comes from {@code com.github.codemonstur:embedded-redis} on the class path, or from
 * {@link Builder#executable(Path)} / {@link Builder#executableFromPath()} (the bundled one is Redis
 * 6.2: no {@code WAITAOF}). Persistence is off by default: a restarted node is empty, like a cache
 * node that lost its memory. With {@link Builder#appendOnly(AppendFsync)} the node runs with
 * {@code appendonly yes} and that {@code appendfsync}, and {@link #startAgain()} / {@link #restart()}
 * replay its AOF, as a durable Redis would after a crash.
 */
public final class RedisNode implements AutoCloseable {

    private final Path executable;
    private final int port;
    private final Path dir;
    private final Duration startTimeout;
    private final @Nullable AppendFsync appendFsync;
    private @Nullable Process process;

    private RedisNode(Path executable, int port, Path dir, Duration startTimeout, @Nullable AppendFsync appendFsync) {
        this.executable = executable;
        this.port = port;
        this.dir = dir;
        this.startTimeout = startTimeout;
        this.appendFsync = appendFsync;
    }

    /** When the append-only file is forced to disk ({@code appendfsync}). */
    public enum AppendFsync {
        /** After every write command, before the reply. */
        ALWAYS,
        /** Once a second in the background (a write reaches the file before its reply). */
        EVERYSEC,
        /** When the OS decides. */
        NO
    }

    /** Starts a node with the defaults. */
    public static RedisNode start() {
        return builder().start();
    }

    /** A builder for a node. */
    public static Builder builder() {
        return new Builder();
    }

    /** Configures a {@link RedisNode}. */
    public static final class Builder {
        private @Nullable Path executable;
        private int port;
        private Duration startTimeout = Duration.ofSeconds(30);
        private @Nullable AppendFsync appendFsync;

        private Builder() {}

        /** Runs with {@code appendonly yes} and {@code appendfsync fsync}: data survives a kill and a restart. */
        public Builder appendOnly(AppendFsync fsync) {
            this.appendFsync = Objects.requireNonNull(fsync, "appendFsync cannot be null");
            return this;
        }

        /** Runs this {@code redis-server} instead of the bundled one. */
        public Builder executable(Path path) {
            Objects.requireNonNull(path, "executable cannot be null");
            if (!Files.isExecutable(path)) {
                throw new IllegalArgumentException("executable is not an executable file: " + path);
            }
            this.executable = path;
            return this;
        }

        /** Runs the {@code redis-server} found on PATH. */
        public Builder executableFromPath() {
            String path = System.getenv().getOrDefault("PATH", "");
            for (String dir : path.split(java.io.File.pathSeparator)) {
                Path candidate = Path.of(dir, "redis-server");
                if (Files.isExecutable(candidate)) {
                    return executable(candidate);
                }
            }
            throw new IllegalStateException("no redis-server on PATH (" + path + ")");
        }

        /** A fixed port instead of a free one chosen at start. */
        public Builder port(int port) {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port must be 1..65535, was " + port);
            }
            this.port = port;
            return this;
        }

        /** How long start may take (default 30 s). */
        public Builder startTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "startTimeout cannot be null");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("startTimeout must be positive, was " + timeout);
            }
            this.startTimeout = timeout;
            return this;
        }

        /** Starts the node; returns once it answers PING. */
        public RedisNode start() {
            Path exe = executable != null ? executable : RedisBinaries.server();
            int p = port != 0 ? port : Ports.free(1).get(0);
            Path dir;
            try {
                dir = Files.createTempDirectory("strata-redis-");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Processes.trackTempDir(dir);
            RedisNode node = new RedisNode(exe, p, dir, startTimeout, appendFsync);
            try {
                node.launch();
            } catch (RuntimeException e) {
                node.close();
                throw e;
            }
            return node;
        }
    }

    /** Always 127.0.0.1. */
    public String host() {
        return "127.0.0.1";
    }

    /** The port, unchanged across restarts. */
    public int port() {
        return port;
    }

    /** {@code redis://127.0.0.1:port}. */
    public String uri() {
        return "redis://" + host() + ":" + port;
    }

    /** The server's process id, or -1 when it is not running. */
    public synchronized long pid() {
        return process != null && process.isAlive() ? process.pid() : -1;
    }

    /** Whether the process is alive. */
    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    private synchronized void launch() {
        List<String> cmd = new ArrayList<>(List.of(
                executable.toString(),
                "--port",
                Integer.toString(port),
                "--bind",
                "127.0.0.1",
                "--protected-mode",
                "no",
                "--save",
                "",
                "--appendonly",
                appendFsync == null ? "no" : "yes",
                "--appendfsync",
                appendFsync == null ? "everysec" : appendFsync.name().toLowerCase(java.util.Locale.ROOT),
                "--daemonize",
                "no",
                "--dir",
                dir.toString(),
                "--logfile",
                ""));
        try {
            process = new ProcessBuilder(cmd)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(
                            dir.resolve("redis.log").toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + executable, e);
        }
        Processes.track(process.toHandle());
        Process p = process;
        try {
            Awaitility.await("redis on port " + port)
                    .atMost(startTimeout)
                    .pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> {
                        if (!p.isAlive()) {
                            throw new IllegalStateException("redis-server exited while starting: " + log());
                        }
                        return ping();
                    });
        } catch (ConditionTimeoutException e) {
            throw new IllegalStateException(
                    "redis-server did not answer PING within " + startTimeout + ": " + log(), e);
        }
    }

    private boolean ping() {
        try (Jedis jedis = new Jedis(host(), port, 1000)) {
            return "PONG".equals(jedis.ping());
        } catch (RuntimeException e) {
            return false;
        }
    }

    private String log() {
        try {
            return Files.readString(dir.resolve("redis.log"));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    /** Stops the server with SIGTERM (no save); returns once it has exited. */
    public synchronized void stop() {
        terminate("TERM");
    }

    /** Kills the server with SIGKILL; returns once it has exited. */
    public synchronized void kill() {
        terminate("KILL");
    }

    private void terminate(String signal) {
        if (process == null || !process.isAlive()) {
            return;
        }
        ProcessHandle h = process.toHandle();
        Processes.signal(signal, List.of(h));
        if (!Processes.awaitExit(List.of(h), 30_000)) {
            throw new IllegalStateException("redis-server did not exit on SIG" + signal);
        }
        try {
            // exited (maybe a zombie): wait for the JVM to reap it, so that isRunning() and
            // startAgain() agree that it is gone
            process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Processes.untrack(h);
    }

    /** {@code appendfsync} when the node runs with the AOF, else {@code null}. */
    public @Nullable AppendFsync appendFsync() {
        return appendFsync;
    }

    /** Stops the server if it runs, then starts it again on the same port (empty without the AOF). */
    public synchronized void restart() {
        stop();
        launch();
    }

    /** Starts a stopped or killed server on the same port (replaying its AOF, if it has one). */
    public synchronized void startAgain() {
        if (isRunning()) {
            throw new IllegalStateException("redis-server is already running on port " + port);
        }
        launch();
    }

    /**
     * Pauses every client command for the given time ({@code CLIENT PAUSE ms ALL}): the server keeps
     * its connections but answers nothing, as a stalled server would.
     */
    public void pause(Duration duration) {
        Objects.requireNonNull(duration, "duration cannot be null");
        try (Jedis jedis = new Jedis(host(), port, 2000)) {
            jedis.clientPause(duration.toMillis(), ClientPauseMode.ALL);
        }
    }

    /** Kills the server and deletes its folder. */
    @Override
    public synchronized void close() {
        kill();
        Processes.deleteTempDir(dir);
    }

    @Override
    public String toString() {
        return "RedisNode" + uri();
    }
}
