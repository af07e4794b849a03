package io.strata.cache.durability;

import static org.awaitility.Awaitility.await;

import io.strata.testkit.PgServer;
import io.strata.testkit.RedisNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import redis.clients.jedis.Jedis;

/**
 * The durability checker: write-behind members as separate JVMs ({@link DurabilityMember}), each
 * writer logging the puts it got acknowledged; {@code kill -9} of members (and of redis-server for
 * the Redis queue) while they write and flush, each killed member started again; then every writer
 * stops, the queue drains, and every key's row is compared with its latest acknowledged revision.
 * A row that is missing or older is a lost acknowledged write.
 */
final class DurabilityChecker {

    /** What a run found. */
    record Result(long acknowledged, long keys, long lost, long aheadOfLog, int memberKills, int redisKills) {
        @Override
        public String toString() {
            return "acknowledged=" + acknowledged + " keys=" + keys + " lost=" + lost + " aheadOfLog=" + aheadOfLog
                    + " memberKills=" + memberKills + " redisKills=" + redisKills;
        }
    }

    enum Mode {
        HAZELCAST,
        REDIS
    }

    private final Mode mode;
    private final PgServer pg;
    private final RedisNode redis;
    private final String durability;
    private final Path dir;
    private final int members;
    private final long keysPerWriter;
    private final int rounds;
    private final long acksPerRound;
    private final String table;
    private final String cluster = "strata-durability-" + UUID.randomUUID();
    private final int[] ports;
    private final Process[] processes;
    private int memberKills;
    private int redisKills;

    /**
     * A checker of {@code members} member JVMs, {@code rounds} kill rounds, each after about
     * {@code acksPerRound} more acknowledged puts. In REDIS mode a round kills a member and then
     * redis-server; {@code durability} is the {@code RedisCoordination.Durability} the members ask for.
     */
    DurabilityChecker(
            Mode mode,
            PgServer pg,
            RedisNode redis,
            String durability,
            Path dir,
            String table,
            int members,
            long keysPerWriter,
            int rounds,
            long acksPerRound) {
        this.mode = mode;
        this.pg = pg;
        this.redis = redis;
        this.durability = durability;
        this.dir = dir;
        this.table = table;
        this.members = members;
        this.keysPerWriter = keysPerWriter;
        this.rounds = rounds;
        this.acksPerRound = acksPerRound;
        this.ports = freePorts(members);
        this.processes = new Process[members];
    }

    /** Runs the check; {@code beforeRedisKill} may wait for a state worth killing in (e.g. a deep queue). */
    Result run(Runnable beforeRedisKill) throws Exception {
        pg.execute("CREATE TABLE IF NOT EXISTS " + table
                + " (id bigint PRIMARY KEY, value jsonb NOT NULL, version bigint NOT NULL)");
        pg.execute("TRUNCATE " + table);
        try {
            for (int i = 0; i < members; i++) {
                launch(i);
            }
            for (int i = 0; i < members; i++) {
                awaitReady(i);
            }
            for (int round = 0; round < rounds; round++) {
                awaitMoreAcks(acksPerRound);
                int victim = round % members;
                kill(victim);
                memberKills++;
                launch(victim);
                awaitReady(victim);
                if (mode == Mode.REDIS) {
                    awaitMoreAcks(acksPerRound / 2);
                    beforeRedisKill.run();
                    redis.kill(); // SIGKILL
                    redisKills++;
                    redis.startAgain();
                }
            }
            awaitMoreAcks(acksPerRound / 2);
            Files.writeString(dir.resolve("stop"), "stop");
            for (int i = 0; i < members; i++) {
                if (!processes[i].waitFor(3, TimeUnit.MINUTES)) {
                    throw new IllegalStateException("member " + i + " did not drain and stop within 3 minutes; see "
                            + dir.resolve("member-" + i + ".out"));
                }
            }
        } finally {
            for (Process p : processes) {
                if (p != null && p.isAlive()) {
                    p.destroyForcibly();
                }
            }
        }
        return compare();
    }

    private void launch(int i) throws IOException {
        Path ready = dir.resolve("ready-" + i);
        Files.deleteIfExists(ready);
        String javaExe = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(
                javaExe,
                "-Xmx192m",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-Dhazelcast.logging.type=slf4j",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp",
                classPath,
                DurabilityMember.class.getName(),
                "mode=" + mode.name().toLowerCase(java.util.Locale.ROOT),
                "jdbc=" + pg.jdbcUrl(),
                "user=" + pg.user(),
                "table=" + table,
                "log=" + log(i),
                "ready=" + ready,
                "stop=" + dir.resolve("stop"),
                "keysFrom=" + (i * keysPerWriter),
                "keysTo=" + ((i + 1) * keysPerWriter)));
        if (mode == Mode.HAZELCAST) {
            StringBuilder all = new StringBuilder();
            for (int p : ports) {
                all.append(all.length() == 0 ? "" : ",").append(p);
            }
            cmd.add("cluster=" + cluster);
            cmd.add("ports=" + all);
            cmd.add("index=" + i);
        } else {
            cmd.add("redisPort=" + redis.port());
            cmd.add("durability=" + durability);
        }
        processes[i] = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(
                        dir.resolve("member-" + i + ".out").toFile()))
                .start();
    }

    private void awaitReady(int i) {
        Process p = processes[i];
        await("member " + i + " ready")
                .atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    if (!p.isAlive()) {
                        throw new IllegalStateException("member " + i + " exited with " + p.exitValue() + ": "
                                + tail(dir.resolve("member-" + i + ".out")));
                    }
                    return Files.exists(dir.resolve("ready-" + i));
                });
    }

    private void kill(int i) throws InterruptedException {
        processes[i].destroyForcibly(); // SIGKILL on Linux: kill -9
        if (!processes[i].waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("member " + i + " survived SIGKILL");
        }
    }

    private void awaitMoreAcks(long more) {
        long start = logBytes();
        long bytesPerAck = 12; // "key revision\n", roughly
        await("acknowledged puts")
                .atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> logBytes() - start >= more * bytesPerAck);
    }

    private long logBytes() {
        long n = 0;
        for (int i = 0; i < members; i++) {
            try {
                n += Files.exists(log(i)) ? Files.size(log(i)) : 0;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return n;
    }

    private Path log(int i) {
        return dir.resolve("acks-" + i + ".log");
    }

    private Result compare() throws SQLException, IOException {
        Map<Long, Long> latest = new HashMap<>();
        long acknowledged = 0;
        for (int i = 0; i < members; i++) {
            acknowledged += lines(log(i));
            latest.putAll(acknowledged(log(i))); // writers own disjoint key ranges
        }
        Map<Long, Long> rows = new HashMap<>();
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), null);
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT id, (value->>'revision')::bigint FROM " + table)) {
            while (rs.next()) {
                rows.put(rs.getLong(1), rs.getLong(2));
            }
        }
        long lost = 0;
        long ahead = 0;
        for (Map.Entry<Long, Long> e : latest.entrySet()) {
            Long row = rows.get(e.getKey());
            if (row == null || row < e.getValue()) {
                lost++;
            } else if (row > e.getValue()) {
                ahead++; // a put in flight when its writer was killed: never acknowledged, allowed
            }
        }
        return new Result(acknowledged, latest.size(), lost, ahead, memberKills, redisKills);
    }

    private static long lines(Path log) throws IOException {
        if (!Files.exists(log)) {
            return 0;
        }
        long n = 0;
        for (byte b : Files.readAllBytes(log)) {
            if (b == '\n') {
                n++;
            }
        }
        return n;
    }

    /** Each key's latest acknowledged revision in one writer's log; a last line cut short by a kill is ignored. */
    static Map<Long, Long> acknowledged(Path log) throws IOException {
        Map<Long, Long> latest = new HashMap<>();
        if (!Files.exists(log)) {
            return latest;
        }
        String text = Files.readString(log, StandardCharsets.UTF_8);
        int end = text.lastIndexOf('\n');
        if (end < 0) {
            return latest;
        }
        for (String line : text.substring(0, end).split("\n")) {
            int space = line.indexOf(' ');
            if (space <= 0) {
                continue;
            }
            latest.put(Long.parseLong(line.substring(0, space)), Long.parseLong(line.substring(space + 1)));
        }
        return latest;
    }

    private static String tail(Path file) {
        try {
            String s = Files.readString(file);
            return s.substring(Math.max(0, s.length() - 3_000));
        } catch (IOException e) {
            return "(no output)";
        }
    }

    private static int[] freePorts(int n) {
        int[] ports = new int[n];
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
                sockets.add(s);
                ports[i] = s.getLocalPort();
            }
            for (ServerSocket s : sockets) {
                s.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return ports;
    }

    /** Sums the Redis queue's depth (entries queued, not yet flushed) of cache {@code table}. */
    static LongSupplier redisDepth(RedisNode redis, String table, int partitions) {
        return () -> {
            try (Jedis j = new Jedis(redis.host(), redis.port(), 1_000)) {
                long n = 0;
                for (int p = 0; p < partitions; p++) {
                    n += j.hlen("strata:wb:{" + table + ":" + p + "}:latest");
                }
                return n;
            } catch (RuntimeException e) {
                return -1;
            }
        };
    }
}
