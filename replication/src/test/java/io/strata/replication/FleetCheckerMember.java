package io.strata.replication;

import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * One application instance of {@link FleetConsistencyCheckerTest}, run as its own JVM: a real
 * Hazelcast member of the fleet's cluster, one {@link ReplicaSetDataSource} per shard sharing lag
 * samples through it, and the checker's workload. It checks nothing itself: it records its
 * history in {@code events-<id>.log} and the parent checks the merged history of every instance.
 *
 * <p>History lines (times are {@code System.nanoTime()}, which on Linux is {@code
 * CLOCK_MONOTONIC}, one clock for every process on the host, so an acknowledgement in one
 * instance and a read in another are ordered by it):
 * <ul>
 *   <li>{@code W key version ackNanos}: an autocommit write acknowledged (version 0 is the
 *       row's insert); each key has one writer thread in one instance;
 *   <li>{@code R level boundMillis key startNanos version node}: a read at level {@code B}
 *       (bounded staleness), {@code E} (eventual, bound = maxLag) or {@code S} (strong, bound 0)
 *       of any instance's key; version -1 means no row;
 *   <li>{@code Y key wrote got node peer}: a read-your-writes read made by instance {@code peer}
 *       over HTTP, carrying only the writer's token (header {@code Strata-Consistency-Token}),
 *       right after this instance's write of version {@code wrote};
 *   <li>{@code X kind detail}: an error (SQLState, or a transport failure), not a check.
 * </ul>
 *
 * <p>Control, from the parent's nemesis: the file {@code control-<id>} holds {@code delay=<ms>}
 * (every sample this instance publishes as a poller is held that long before it is sent: the
 * cluster's delivery delayed) and {@code skew=<ms>} (this instance's wall clock runs that far
 * ahead). Stats every 200 ms in {@code stats-<id>}: one line per node ({@code replicaSet/node
 * ownPolls fallbackPolls samplesApplied samplesDropped}), then a {@code meters} line (fallbacks to
 * the primary, rejected, RYW waits reached, expired). {@code http-<id>} holds the port of its
 * read-your-writes endpoint once it is ready; the file {@code stop} ends it cleanly.
 *
 * <p>Arguments {@code key=value}: id, dir, shards ({@code name;primaryName;primaryUrl;replicaName;
 * replicaUrl} separated by {@code ,}), user, cluster, ports, index, base, writers, readers,
 * boundMillis, maxClockSkewMillis, skewMillis, trustClocks.
 */
public final class FleetCheckerMember {

    static final String TOKEN_HEADER = "Strata-Consistency-Token";

    private final int id;
    private final Path dir;
    private final int base;
    private final int writers;
    private final int readers;
    private final Duration bound;
    private final List<ReplicaSetDataSource> shards = new ArrayList<>();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ConsistencyChecker.SkewedClock clock = new ConsistencyChecker.SkewedClock();
    private final AtomicLong sampleDelay = new AtomicLong();
    private final HttpClient http = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .executor(Executors.newFixedThreadPool(2, daemon("strata-checker-http-client")))
            .build();
    /** Live instance id -> port of its endpoint (a killed instance's file is removed by the parent). */
    private volatile Map<Integer, Integer> peers = Map.of();
    /** Every instance ever seen: its keys stay readable after it is killed. */
    private final Set<Integer> known = ConcurrentHashMap.newKeySet();

    private final BufferedWriter events;
    private volatile boolean running = true;

    private FleetCheckerMember(Map<String, String> a) throws IOException {
        this.id = Integer.parseInt(a.get("id"));
        this.dir = Path.of(a.get("dir"));
        this.base = Integer.parseInt(a.get("base"));
        this.writers = Integer.parseInt(a.get("writers"));
        this.readers = Integer.parseInt(a.get("readers"));
        this.bound = Duration.ofMillis(Long.parseLong(a.get("boundMillis")));
        this.clock.offsetMillis = Long.parseLong(a.get("skewMillis"));
        this.events = Files.newBufferedWriter(
                dir.resolve("events-" + id + ".log"),
                StandardCharsets.US_ASCII,
                StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING);
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            a.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        new FleetCheckerMember(a).run(a);
        System.exit(0);
    }

    /** A writer's key on a shard: unique per (instance, shard, writer) for one run's base. */
    static int key(int base, int instance, int shard, int writer) {
        return base + instance * 100 + shard * 10 + writer;
    }

    private void run(Map<String, String> a) throws Exception {
        List<Integer> ports =
                Arrays.stream(a.get("ports").split(",")).map(Integer::valueOf).toList();
        HazelcastInstance hz = Hazelcast.newHazelcastInstance(
                HazelcastTestMembers.config(a.get("cluster"), ports, Integer.parseInt(a.get("index"))));
        Duration maxClockSkew = Duration.ofMillis(Long.parseLong(a.get("maxClockSkewMillis")));
        boolean trustClocks = Boolean.parseBoolean(a.get("trustClocks"));
        for (String shard : a.get("shards").split(",")) {
            String[] p = shard.split(";");
            ReplicaSetDataSourceBuilder b = ReplicaSetDataSource.builder()
                    .name(p[0])
                    .primary(p[1], p[2])
                    .replica(p[3], p[4])
                    .username(a.get("user"))
                    .meterRegistry(registry)
                    .cluster(hz)
                    .clock(clock)
                    .maxClockSkew(maxClockSkew)
                    .sampleDelayForTesting(sampleDelay::get)
                    .statementNetworkTimeout(Duration.ofSeconds(2))
                    .primaryPool(c -> {
                        c.setMaximumPoolSize(3);
                        c.setConnectionTimeout(2000);
                    })
                    .replicaPool(c -> {
                        c.setMaximumPoolSize(3);
                        c.setConnectionTimeout(2000);
                    });
            if (trustClocks) {
                b.trustSampleClocksForTesting();
            }
            shards.add(b.build());
        }
        // This instance's rows (version 0), through the data sources, retried past a frozen primary.
        for (int s = 0; s < shards.size(); s++) {
            for (int w = 0; w < writers; w++) {
                int key = key(base, id, s, w);
                while (true) {
                    try (Connection c = shards.get(s).getConnection();
                            PreparedStatement ps = c.prepareStatement(
                                    "insert into checker_kv values (?, 0) on conflict (k) do nothing")) {
                        ps.setInt(1, key);
                        ps.executeUpdate();
                        log("W " + key + " 0 " + System.nanoTime());
                        break;
                    } catch (SQLException e) {
                        log("X insert " + e.getSQLState());
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
                    }
                }
            }
        }
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.createContext("/ryw", this::serveReadYourWrites);
        server.setExecutor(Executors.newFixedThreadPool(2, daemon("strata-checker-http")));
        server.start();
        peers = Map.of(id, server.getAddress().getPort());
        known.add(id);
        publish(dir.resolve("http-" + id), Integer.toString(server.getAddress().getPort()));

        ExecutorService pool = Executors.newFixedThreadPool(writers + readers + 1, daemon("strata-checker"));
        List<java.util.concurrent.Future<?>> tasks = new ArrayList<>();
        tasks.add(pool.submit(this::housekeeping));
        for (int w = 0; w < writers; w++) {
            int writer = w;
            tasks.add(pool.submit(() -> writer(writer)));
        }
        for (int r = 0; r < readers; r++) {
            int reader = r;
            tasks.add(pool.submit(() -> reader(reader)));
        }
        Path stop = dir.resolve("stop");
        while (!Files.exists(stop)) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
        running = false;
        for (java.util.concurrent.Future<?> f : tasks) {
            try {
                f.get(60, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                log("X task " + e.getCause());
            }
        }
        pool.shutdownNow();
        server.stop(0);
        writeStats();
        synchronized (events) {
            events.flush();
            events.close();
        }
        shards.forEach(ReplicaSetDataSource::close);
        hz.shutdown();
    }

    // ---- writers: one key per shard each; each write read back by another instance at RYW

    private Void writer(int writer) {
        Random random = new Random(id * 31L + writer);
        long[] version = new long[shards.size()];
        while (running) {
            int s = random.nextInt(shards.size());
            int key = key(base, id, s, writer);
            long v = ++version[s];
            String token;
            try (Connection c = shards.get(s).getConnection()) {
                try (PreparedStatement ps = c.prepareStatement("update checker_kv set v = ? where k = ?")) {
                    ps.setLong(1, v);
                    ps.setInt(2, key);
                    ps.executeUpdate();
                }
                log("W " + key + " " + v + " " + System.nanoTime());
                token = c.unwrap(ReplicaSetConnection.class).token().toString();
            } catch (SQLException e) {
                log("X write " + e.getSQLState());
                continue;
            }
            // The session moves to another instance, carrying only the token's string form.
            List<Integer> others =
                    peers.keySet().stream().filter(p -> p != id).sorted().toList();
            if (others.isEmpty()) {
                continue;
            }
            int peer = others.get(random.nextInt(others.size()));
            Integer port = peers.get(peer);
            if (port == null) {
                continue;
            }
            try {
                HttpResponse<String> r = http.send(
                        HttpRequest.newBuilder(
                                        URI.create("http://127.0.0.1:" + port + "/ryw?shard=" + s + "&key=" + key))
                                .header(TOKEN_HEADER, token)
                                .timeout(Duration.ofSeconds(20))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    log("Y " + key + " " + v + " " + r.body().trim() + " " + peer);
                } else {
                    log("X ryw " + r.body().trim());
                }
            } catch (IOException e) {
                log("X ryw-transport " + e.getClass().getSimpleName());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return null;
    }

    /** GET /ryw?shard=S&key=K with the token header: reads the key at READ_YOUR_WRITES. */
    private void serveReadYourWrites(HttpExchange ex) throws IOException {
        int status;
        String body;
        try {
            Map<String, String> q = new HashMap<>();
            for (String kv : ex.getRequestURI().getQuery().split("&")) {
                int eq = kv.indexOf('=');
                q.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
            String token = ex.getRequestHeaders().getFirst(TOKEN_HEADER);
            try (Connection c = shards.get(Integer.parseInt(q.get("shard"))).getConnection()) {
                ReplicaSetConnection rc = c.unwrap(ReplicaSetConnection.class);
                rc.requireToken(ConsistencyToken.parse(token));
                rc.setConsistency(Consistency.READ_YOUR_WRITES);
                long got = read(c, Integer.parseInt(q.get("key")));
                status = 200;
                body = got + " " + rc.lastNode().orElse("?");
            }
        } catch (SQLException e) {
            status = 503;
            body = String.valueOf(e.getSQLState());
        } catch (RuntimeException e) {
            status = 500;
            body = e.getClass().getSimpleName();
        }
        byte[] bytes = body.getBytes(StandardCharsets.US_ASCII);
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    // ---- readers: bounded, eventual and strong reads of every instance's keys

    private Void reader(int reader) {
        Random random = new Random(1000 + id * 31L + reader);
        long maxLagMillis = 1000; // the builder's default maxLag: EVENTUAL's bound
        while (running) {
            List<Integer> instances = known.stream().sorted().toList();
            int instance = instances.get(random.nextInt(instances.size()));
            int s = random.nextInt(shards.size());
            int key = key(base, instance, s, random.nextInt(writers));
            int level = random.nextInt(4);
            Consistency c;
            String line;
            if (level <= 1) {
                c = Consistency.boundedStaleness(bound);
                line = "R B " + bound.toMillis();
            } else if (level == 2) {
                c = Consistency.EVENTUAL;
                line = "R E " + maxLagMillis;
            } else {
                c = Consistency.STRONG;
                line = "R S 0";
            }
            long start = System.nanoTime();
            try (Connection conn = shards.get(s).getConnection()) {
                ReplicaSetConnection rc = conn.unwrap(ReplicaSetConnection.class);
                rc.setConsistency(c);
                long got = read(conn, key);
                log(line + " " + key + " " + start + " " + got + " "
                        + rc.lastNode().orElse("?"));
            } catch (SQLException e) {
                log("X read " + e.getSQLState());
            }
        }
        return null;
    }

    private static long read(Connection c, int key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select v from checker_kv where k = ?")) {
            ps.setInt(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : -1;
            }
        }
    }

    // ---- control, peers, stats, flushing

    private Void housekeeping() {
        Path control = dir.resolve("control-" + id);
        long lastPeers = 0;
        while (running) {
            try {
                if (Files.exists(control)) {
                    for (String kv : Files.readString(control).trim().split("\\s+")) {
                        int eq = kv.indexOf('=');
                        if (eq < 0) {
                            continue;
                        }
                        long value = Long.parseLong(kv.substring(eq + 1));
                        switch (kv.substring(0, eq)) {
                            case "delay" -> sampleDelay.set(value);
                            case "skew" -> clock.offsetMillis = value;
                            default -> {}
                        }
                    }
                }
                if (System.nanoTime() - lastPeers > TimeUnit.MILLISECONDS.toNanos(500)) {
                    lastPeers = System.nanoTime();
                    Map<Integer, Integer> live = new HashMap<>();
                    try (var files = Files.list(dir)) {
                        for (Path p : files.toList()) {
                            String name = p.getFileName().toString();
                            if (name.startsWith("http-") && !name.endsWith(".tmp")) {
                                int peer = Integer.parseInt(name.substring(5));
                                try {
                                    live.put(
                                            peer,
                                            Integer.valueOf(Files.readString(p).trim()));
                                } catch (IOException | NumberFormatException e) {
                                    continue; // removed (killed) meanwhile
                                }
                                known.add(peer);
                            }
                        }
                    }
                    peers = Map.copyOf(live);
                }
                writeStats();
                synchronized (events) {
                    events.flush();
                }
            } catch (IOException | RuntimeException e) {
                log("X housekeeping " + e);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
        }
        return null;
    }

    private void writeStats() throws IOException {
        StringBuilder b = new StringBuilder();
        for (FunctionCounter fc : registry.find("strata.replication.monitor.polls")
                .tag("source", "own")
                .functionCounters()) {
            String set = fc.getId().getTag("replicaSet");
            String node = fc.getId().getTag("node");
            b.append(set)
                    .append('/')
                    .append(node)
                    .append(' ')
                    .append((long) fc.count())
                    .append(' ')
                    .append((long) function(set, node, "strata.replication.monitor.polls", "source", "fallback"))
                    .append(' ')
                    .append((long) function(set, node, "strata.replication.monitor.samples", "outcome", "applied"))
                    .append(' ')
                    .append((long) function(set, node, "strata.replication.monitor.samples", "outcome", "dropped"))
                    .append('\n');
        }
        b.append("meters ")
                .append((long) counter("strata.replication.fallbacks", "outcome", "primary"))
                .append(' ')
                .append((long) counter("strata.replication.fallbacks", "outcome", "rejected"))
                .append(' ')
                .append((long) counter("strata.replication.ryw.waits", "outcome", "reached"))
                .append(' ')
                .append((long) counter("strata.replication.ryw.waits", "outcome", "expired"))
                .append('\n');
        publish(dir.resolve("stats-" + id), b.toString());
    }

    private double function(String set, String node, String name, String tag, String value) {
        return registry.find(name).tag("replicaSet", set).tag("node", node).tag(tag, value).functionCounters().stream()
                .mapToDouble(FunctionCounter::count)
                .sum();
    }

    private double counter(String name, String tag, String value) {
        return registry.find(name).tag(tag, value).counters().stream()
                .mapToDouble(Counter::count)
                .sum();
    }

    private void log(String line) {
        synchronized (events) {
            try {
                events.write(line);
                events.write('\n');
            } catch (IOException e) {
                // closed while stopping: the history ends here
            }
        }
    }

    private static void publish(Path file, String content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, content);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
