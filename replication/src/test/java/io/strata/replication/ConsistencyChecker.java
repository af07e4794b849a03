package io.strata.replication;

import static org.awaitility.Awaitility.await;

import com.hazelcast.core.HazelcastInstance;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.strata.testkit.PgServer;
import io.strata.testkit.PgShard;
import io.strata.testkit.PgTopology;
import io.strata.testkit.StopMode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * A Jepsen-style consistency checker for replica sets: several members (one
 * {@link ReplicaSetDataSource} per member and shard, as separate JVMs would hold), writers that
 * record acknowledgements, readers at every consistency level checked against them, and a
 * nemesis.
 *
 * <p>The history: each key has exactly one writer, which writes versions 1, 2, 3, ... and records
 * for each the time (System.nanoTime, Strata's default clock) its autocommit {@code UPDATE}
 * returned: the acknowledgement. A failed write is not acknowledged (its version may or may not
 * have landed; a read that sees it is no violation).
 *
 * <p>The checks:
 * <ul>
 *   <li>a read at {@code boundedStaleness(d)} (or {@code EVENTUAL}, {@code d = maxLag}) that
 *       started at {@code s} violates if it returns a version older than the newest version
 *       acknowledged before {@code s - d};
 *   <li>a {@code STRONG} read violates if it misses a version acknowledged before it started;
 *   <li>a {@code READ_YOUR_WRITES} read, made right after the session's write through another
 *       member that got the session's token as a string, violates if it misses that write.
 * </ul>
 *
 * <p>The nemesis, one fault at a time on a random shard: pause a replica's replay, freeze a
 * replica, kill a replica (then restart it), freeze the primary right after one of its writes is
 * acknowledged (the writer itself freezes it, within milliseconds), and once per shard a
 * promotion (the primary is stopped cleanly, so every acknowledged write has reached the
 * replicas, and a replica is promoted; the other replica keeps following the stopped primary and
 * must never serve again).
 */
final class ConsistencyChecker {

    /** What a run is made of. */
    record Settings(
            int members,
            int writers,
            int readers,
            Duration duration,
            Duration bound,
            boolean nemesis,
            boolean promotions,
            boolean pauseReplicasAtStart,
            Consumer<ReplicaSetDataSourceBuilder> customizer,
            Cluster cluster) {

        Settings(
                int members,
                int writers,
                int readers,
                Duration duration,
                Duration bound,
                boolean nemesis,
                boolean promotions,
                boolean pauseReplicasAtStart,
                Consumer<ReplicaSetDataSourceBuilder> customizer) {
            this(
                    members,
                    writers,
                    readers,
                    duration,
                    bound,
                    nemesis,
                    promotions,
                    pauseReplicasAtStart,
                    customizer,
                    Cluster.NONE);
        }
    }

    /**
     * Cluster-shared monitoring (issue 18): each member gets its own Hazelcast member (a real
     * one, in this JVM) and shares lag samples through it. Once the members have divided the
     * servers, the member that polls the most of them gets its wall clock set {@code skewMillis}
     * ahead of the others' (the direction that makes its samples look fresher to them). With
     * {@code nemesis}, two more faults: delaying one member's sample delivery by 200 to 1500 ms
     * for a while, and, once, killing the Hazelcast member of the member that polls the most
     * (its data sources then poll for themselves; the others fall back, then take its servers).
     *
     * @param maxClockSkew the members' configured {@code maxClockSkew}
     * @param trustClocks the weakened setting: samples' send times taken at face value
     */
    record Cluster(boolean enabled, long skewMillis, Duration maxClockSkew, boolean trustClocks) {
        static final Cluster NONE = new Cluster(false, 0, Duration.ZERO, false);
    }

    /** A clock whose wall time can be set ahead at run time; its monotonic time is System.nanoTime. */
    static final class SkewedClock implements io.micrometer.core.instrument.Clock {
        volatile long offsetMillis;

        @Override
        public long wallTime() {
            return System.currentTimeMillis() + offsetMillis;
        }

        @Override
        public long monotonicTime() {
            return System.nanoTime();
        }
    }

    /** What a run saw. */
    record Result(
            long writes,
            long reads,
            Map<String, Long> readsByLevel,
            Map<String, Long> readsByNode,
            Map<String, Long> errorsBySqlState,
            Map<String, Long> nemesis,
            long fallbacks,
            long fallbacksRejected,
            long waitsReached,
            long waitsExpired,
            long retries,
            List<String> violations,
            long violationCount) {

        String describe() {
            StringBuilder b = new StringBuilder();
            b.append(String.format(
                    "consistency checker: %,d acknowledged writes, %,d checked reads, %,d violations%n",
                    writes, reads, violationCount));
            b.append("  reads by level      ").append(readsByLevel).append('\n');
            b.append("  reads by node       ").append(readsByNode).append('\n');
            b.append(String.format(
                    "  fallbacks           %,d to the primary, %,d rejected%n", fallbacks, fallbacksRejected));
            b.append(String.format(
                    "  ryw waits           %,d reached the token on a replica, %,d expired (fell back)%n",
                    waitsReached, waitsExpired));
            b.append(String.format("  retries elsewhere   %,d%n", retries));
            b.append("  errors by SQLState  ").append(errorsBySqlState).append('\n');
            b.append("  nemesis             ").append(nemesis).append('\n');
            violations.stream()
                    .limit(10)
                    .forEach(v -> b.append("  VIOLATION ").append(v).append('\n'));
            return b.toString();
        }
    }

    private static final int MAX_VERSIONS = 1 << 20;

    private final PgTopology topology;
    private final Settings settings;
    private final List<List<ReplicaSetDataSource>> members = new ArrayList<>(); // [member][shard]
    private final List<SimpleMeterRegistry> registries = new ArrayList<>();
    /** ackTimes[key][version - 1]: when that version was acknowledged; 0 = not acknowledged. */
    private final Map<Integer, AtomicLongArray> ackTimes = new ConcurrentHashMap<>();

    private final Map<String, AtomicLong> readsByLevel = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> readsByNode = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> errors = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> nemesisActions = new ConcurrentHashMap<>();
    private final List<String> violations = Collections.synchronizedList(new ArrayList<>());
    private final AtomicLong violationCount = new AtomicLong();
    private final AtomicLong writes = new AtomicLong();
    private final AtomicLong reads = new AtomicLong();
    private final AtomicBoolean running = new AtomicBoolean(true);
    /** Per shard: the next acknowledged write on it freezes its primary. */
    private final AtomicBoolean[] freezeAfterAck;
    /** Per shard: the server that currently takes writes, and the replicas that follow it. */
    private final AtomicReferenceArray<PgServer> primaries;

    private final List<List<PgServer>> following = Collections.synchronizedList(new ArrayList<>());
    private final List<HazelcastInstance> hazelcast = new ArrayList<>();
    private final List<SkewedClock> clocks = new ArrayList<>();
    private final List<AtomicLong> sampleDelays = new ArrayList<>();
    private boolean pollerKilled;

    /** The member whose own polls grew the most over a short look: the one polling the most servers. */
    private int busiestPoller() {
        return pollerOf(null);
    }

    /** The member whose own polls (of the node, or of all when null) grew the most over a short look. */
    private int pollerOf(String node) {
        double[] before = new double[registries.size()];
        for (int m = 0; m < before.length; m++) {
            before[m] = ownPolls(registries.get(m), node);
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1000));
        int best = 0;
        double most = -1;
        for (int m = 0; m < before.length; m++) {
            double grew = ownPolls(registries.get(m), node) - before[m];
            if (grew > most
                    && (hazelcast.isEmpty()
                            || hazelcast.get(m).getLifecycleService().isRunning())) {
                most = grew;
                best = m;
            }
        }
        return best;
    }

    ConsistencyChecker(PgTopology topology, Settings settings) {
        this.topology = topology;
        this.settings = settings;
        int shards = topology.shards().size();
        this.freezeAfterAck = new AtomicBoolean[shards];
        this.primaries = new AtomicReferenceArray<>(shards);
        for (int s = 0; s < shards; s++) {
            freezeAfterAck[s] = new AtomicBoolean();
            primaries.set(s, topology.shard(s).primary());
            following.add(new ArrayList<>(topology.shard(s).replicas()));
        }
    }

    /** Creates the table on every shard; call once per topology. */
    static void schema(PgTopology topology) {
        for (PgShard shard : topology.shards()) {
            shard.primary().execute("create table if not exists checker_kv (k int primary key, v bigint not null)");
        }
    }

    Result run() throws Exception {
        int shards = topology.shards().size();
        Cluster cluster = settings.cluster();
        if (cluster.enabled()) {
            hazelcast.addAll(HazelcastTestMembers.start(settings.members()));
        }
        for (int m = 0; m < settings.members(); m++) {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            registries.add(registry);
            List<ReplicaSetDataSource> sets = new ArrayList<>();
            SkewedClock clock = new SkewedClock();
            clocks.add(clock);
            AtomicLong delay = new AtomicLong();
            sampleDelays.add(delay);
            int member = m;
            for (PgShard shard : topology.shards()) {
                sets.add(TestReplicaSets.build(shard, b -> {
                    if (cluster.enabled()) {
                        b.cluster(hazelcast.get(member))
                                .clock(clock)
                                .maxClockSkew(cluster.maxClockSkew())
                                .sampleDelayForTesting(delay::get);
                        if (cluster.trustClocks()) {
                            b.trustSampleClocksForTesting();
                        }
                    }
                    b.meterRegistry(registry)
                            .statementNetworkTimeout(Duration.ofSeconds(2))
                            .primaryPool(c -> {
                                c.setMaximumPoolSize(4);
                                c.setConnectionTimeout(2000);
                            })
                            .replicaPool(c -> {
                                c.setMaximumPoolSize(4);
                                c.setConnectionTimeout(2000);
                            });
                    settings.customizer().accept(b);
                }));
            }
            members.add(sets);
        }
        // Fresh keys for this run: each writer owns one key per shard.
        int base = (int) (System.nanoTime() % 100_000) * 100;
        for (int s = 0; s < shards; s++) {
            for (int w = 0; w < settings.writers(); w++) {
                int key = key(base, s, w);
                primaries
                        .get(s)
                        .execute("insert into checker_kv values (" + key + ", 0) on conflict (k) do update set v = 0");
                ackTimes.put(key, new AtomicLongArray(MAX_VERSIONS));
            }
        }
        if (cluster.enabled()) {
            // Once the members have divided the servers: the busiest poller's clock runs ahead.
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> registries.stream()
                                    .mapToDouble(r ->
                                            functionSum(r, "strata.replication.monitor.samples", "outcome", "applied"))
                                    .sum()
                            > 20);
            clocks.get(pollerOf(topology.shard(0).primary().name())).offsetMillis = cluster.skewMillis();
        }
        for (PgShard shard : topology.shards()) {
            TestReplicaSets.awaitReplicasCaughtUp(shard);
            if (settings.pauseReplicasAtStart()) {
                shard.replicas().forEach(PgServer::pauseReplay);
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(settings.writers() + settings.readers() + 1);
        List<Future<?>> tasks = new ArrayList<>();
        try {
            for (int w = 0; w < settings.writers(); w++) {
                int writer = w;
                tasks.add(pool.submit(() -> writer(base, writer)));
            }
            for (int r = 0; r < settings.readers(); r++) {
                int reader = r;
                tasks.add(pool.submit(() -> reader(base, reader)));
            }
            if (settings.nemesis()) {
                tasks.add(pool.submit(this::nemesis));
            }
            long end = System.nanoTime() + settings.duration().toNanos();
            while (System.nanoTime() < end && tasks.stream().noneMatch(Future::isDone)) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
            }
        } finally {
            running.set(false);
            for (Future<?> f : tasks) {
                f.get(120, TimeUnit.SECONDS); // rethrows a task's own failure
            }
            pool.shutdownNow();
            heal();
            for (List<ReplicaSetDataSource> sets : members) {
                sets.forEach(ReplicaSetDataSource::close);
            }
            hazelcast.forEach(h -> h.getLifecycleService().terminate());
        }
        return result();
    }

    private static int key(int base, int shard, int writer) {
        return base + shard * 10 + writer;
    }

    // ---- writers: one key per shard each; every write is read back through another member at RYW

    private Void writer(int base, int writer) throws Exception {
        Random random = new Random(writer);
        int shards = topology.shards().size();
        long[] version = new long[shards];
        while (running.get()) {
            int s = random.nextInt(shards);
            int key = key(base, s, writer);
            long v = ++version[s];
            int m = random.nextInt(members.size());
            String token;
            try (Connection c = members.get(m).get(s).getConnection()) {
                try (PreparedStatement ps = c.prepareStatement("update checker_kv set v = ? where k = ?")) {
                    ps.setLong(1, v);
                    ps.setInt(2, key);
                    ps.executeUpdate();
                }
                ackTimes.get(key).set((int) v - 1, System.nanoTime());
                writes.incrementAndGet();
                if (freezeAfterAck[s].compareAndSet(true, false)) {
                    PgServer p = primaries.get(s);
                    p.freeze();
                    count(nemesisActions, "freeze-primary-after-ack");
                    Thread thaw = new Thread(() -> {
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1500));
                        p.thaw();
                    });
                    thaw.setDaemon(true);
                    thaw.start();
                }
                token = c.unwrap(ReplicaSetConnection.class).token().toString();
            } catch (SQLException e) {
                error("write", e);
                continue;
            }
            // The session moves to another member, carrying only the token's string form.
            int other = (m + 1 + random.nextInt(members.size() - 1)) % members.size();
            try (Connection c = members.get(other).get(s).getConnection()) {
                ReplicaSetConnection rc = c.unwrap(ReplicaSetConnection.class);
                rc.requireToken(ConsistencyToken.parse(token));
                rc.setConsistency(Consistency.READ_YOUR_WRITES);
                long got = read(c, key);
                count(readsByLevel, "read_your_writes");
                count(readsByNode, rc.lastNode().orElse("?"));
                reads.incrementAndGet();
                if (got < v) {
                    violation("read-your-writes read of key " + key + " on "
                            + rc.lastNode().orElse("?") + " returned version " + got + ", the session wrote " + v
                            + " (token " + token + ")");
                }
            } catch (SQLException e) {
                error("read", e);
            }
        }
        return null;
    }

    // ---- readers: bounded, eventual and strong reads of every writer's keys

    private Void reader(int base, int reader) {
        Random random = new Random(1000 + reader);
        int shards = topology.shards().size();
        Duration maxLag = Duration.ofSeconds(1);
        while (running.get()) {
            int s = random.nextInt(shards);
            int key = key(base, s, random.nextInt(settings.writers()));
            int level = random.nextInt(4);
            Consistency c;
            Duration bound;
            String name;
            if (level <= 1) {
                c = Consistency.boundedStaleness(settings.bound());
                bound = settings.bound();
                name = "bounded_staleness(" + settings.bound().toMillis() + "ms)";
            } else if (level == 2) {
                c = Consistency.EVENTUAL;
                bound = maxLag;
                name = "eventual";
            } else {
                c = Consistency.STRONG;
                bound = Duration.ZERO;
                name = "strong";
            }
            ReplicaSetDataSource ds =
                    members.get(random.nextInt(members.size())).get(s);
            long start = System.nanoTime();
            try (Connection conn = ds.getConnection()) {
                ReplicaSetConnection rc = conn.unwrap(ReplicaSetConnection.class);
                rc.setConsistency(c);
                long got = read(conn, key);
                reads.incrementAndGet();
                count(readsByLevel, name);
                count(readsByNode, rc.lastNode().orElse("?"));
                long required = newestAckedBefore(key, start - bound.toNanos());
                if (got < required) {
                    violation(name + " read of key " + key + " on "
                            + rc.lastNode().orElse("?") + " returned version "
                            + got + " but version " + required + " was acknowledged "
                            + (start - ackTimes.get(key).get((int) required - 1)) / 1_000_000
                            + " ms before the read started; nodes " + ds.nodeStates());
                }
            } catch (SQLException e) {
                error("read", e);
            }
        }
        return null;
    }

    private static long read(Connection c, int key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select v from checker_kv where k = ?")) {
            ps.setInt(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new IllegalStateException("key " + key + " has no row");
                }
                return rs.getLong(1);
            }
        }
    }

    /** The newest version of the key acknowledged before {@code nanos} (0 if none). */
    private long newestAckedBefore(int key, long nanos) {
        AtomicLongArray acks = ackTimes.get(key);
        long newest = 0;
        // Versions are acknowledged in order by one writer; a failed write leaves a 0 gap.
        for (int i = 0; i < acks.length(); i++) {
            long t = acks.get(i);
            if (t == 0) {
                if (i + 1 < acks.length() && acks.get(i + 1) != 0) {
                    continue;
                }
                break;
            }
            if (t - nanos >= 0) {
                break;
            }
            newest = i + 1;
        }
        return newest;
    }

    // ---- nemesis

    private Void nemesis() {
        Random random = new Random(42);
        int shards = topology.shards().size();
        boolean[] promoted = new boolean[shards];
        int round = 0;
        while (running.get()) {
            pause(random, 700, 1500);
            if (!running.get()) {
                break;
            }
            round++;
            int s = random.nextInt(shards);
            List<PgServer> replicas = following.get(s);
            int action = random.nextInt(settings.promotions() ? 6 : 5);
            if (settings.promotions() && round == 5) {
                action = 5; // every run promotes at least once, early enough to run on after it
            }
            if (settings.cluster().enabled() && random.nextInt(3) == 0) {
                clusterNemesis(random, round);
                continue;
            }
            if (replicas.isEmpty() && action != 3) {
                action = 3;
            }
            switch (action) {
                case 0 -> {
                    PgServer r = replicas.get(random.nextInt(replicas.size()));
                    r.pauseReplay();
                    count(nemesisActions, "pause-replay");
                    pause(random, 500, 2000);
                    r.resumeReplay();
                }
                case 1 -> {
                    PgServer r = replicas.get(random.nextInt(replicas.size()));
                    r.freeze();
                    count(nemesisActions, "freeze-replica");
                    pause(random, 500, 2000);
                    r.thaw();
                }
                case 2 -> {
                    PgServer r = replicas.get(random.nextInt(replicas.size()));
                    r.kill();
                    count(nemesisActions, "kill-replica");
                    pause(random, 300, 1000);
                    r.start();
                }
                case 3, 4 -> {
                    freezeAfterAck[s].set(true);
                    pause(random, 2000, 2500); // the freeze lasts 1.5 s
                }
                default -> {
                    if (promoted[s] || replicas.size() < 2 || !primaries.get(s).isRunning()) {
                        break;
                    }
                    promoted[s] = true;
                    PgServer old = primaries.get(s);
                    PgServer next = replicas.get(0);
                    // A clean stop first: the primary's WAL reaches its replicas before it exits, so a
                    // promotion loses no acknowledged write (an unclean failover of an asynchronous
                    // replica may, whatever Strata does).
                    old.stop(StopMode.FAST);
                    next.promote();
                    primaries.set(s, next);
                    // The other replica keeps following the stopped primary: it must never serve again.
                    following.set(s, List.of());
                    count(nemesisActions, "promote");
                }
            }
        }
        return null;
    }

    private void clusterNemesis(Random random, int round) {
        if (!pollerKilled && round >= 3) {
            pollerKilled = true;
            int victim = busiestPoller();
            hazelcast.get(victim).getLifecycleService().terminate();
            count(nemesisActions, "kill-poller-member");
            return;
        }
        int m = random.nextInt(sampleDelays.size());
        sampleDelays.get(m).set(200 + random.nextInt(1300));
        count(nemesisActions, "delay-samples");
        pause(random, 1000, 2500);
        sampleDelays.get(m).set(0);
    }

    private void heal() {
        for (int s = 0; s < primaries.length(); s++) {
            try {
                primaries.get(s).thaw();
            } catch (RuntimeException ignored) {
                // not frozen
            }
            for (PgServer r : following.get(s)) {
                r.thaw();
                if (!r.isRunning()) {
                    r.start();
                }
                r.resumeReplay();
            }
        }
    }

    private void pause(Random random, int minMillis, int maxMillis) {
        long until =
                System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(minMillis + random.nextInt(maxMillis - minMillis));
        while (running.get() && System.nanoTime() < until) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    // ---- bookkeeping

    private void violation(String what) {
        violationCount.incrementAndGet();
        if (violations.size() < 100) {
            violations.add(what);
        }
    }

    private void error(String kind, SQLException e) {
        count(errors, kind + " " + e.getSQLState());
    }

    private static void count(Map<String, AtomicLong> map, String key) {
        map.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
    }

    private Result result() {
        double fallbacks = 0;
        double rejected = 0;
        double reached = 0;
        double expired = 0;
        double retries = 0;
        for (SimpleMeterRegistry r : registries) {
            fallbacks += sum(r, "strata.replication.fallbacks", "outcome", "primary");
            rejected += sum(r, "strata.replication.fallbacks", "outcome", "rejected");
            reached += sum(r, "strata.replication.ryw.waits", "outcome", "reached");
            expired += sum(r, "strata.replication.ryw.waits", "outcome", "expired");
            retries += r.find("strata.replication.retries").counters().stream()
                    .mapToDouble(Counter::count)
                    .sum();
        }
        return new Result(
                writes.get(),
                reads.get(),
                snapshot(readsByLevel),
                snapshot(readsByNode),
                snapshot(errors),
                snapshot(nemesisActions),
                (long) fallbacks,
                (long) rejected,
                (long) reached,
                (long) expired,
                (long) retries,
                List.copyOf(violations),
                violationCount.get());
    }

    private static double ownPolls(SimpleMeterRegistry r, String node) {
        var search = r.find("strata.replication.monitor.polls").tag("source", "own");
        if (node != null) {
            search = search.tag("node", node);
        }
        return search.functionCounters().stream()
                .mapToDouble(io.micrometer.core.instrument.FunctionCounter::count)
                .sum();
    }

    private static double functionSum(SimpleMeterRegistry r, String name, String tag, String value) {
        return r.find(name).tag(tag, value).functionCounters().stream()
                .mapToDouble(io.micrometer.core.instrument.FunctionCounter::count)
                .sum();
    }

    private static double sum(SimpleMeterRegistry r, String name, String tag, String value) {
        return r.find(name).tag(tag, value).counters().stream()
                .mapToDouble(Counter::count)
                .sum();
    }

    private static Map<String, Long> snapshot(Map<String, AtomicLong> map) {
        Map<String, Long> out = new TreeMap<>();
        map.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }
}
