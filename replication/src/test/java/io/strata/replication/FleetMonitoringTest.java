package io.strata.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.strata.testkit.PgServer;
import io.strata.testkit.PgShard;
import io.strata.testkit.PgTopology;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Issue 18, "must show": N application instances as separate JVMs ({@link FleetMember}), one
 * Hazelcast cluster, over shards of 1 primary + 1 replica; polls per second and monitor
 * connections counted ON THE SERVERS ({@code pg_stat_statements} calls of the monitor's query,
 * and {@code pg_stat_activity} by application name), for today's design ({@code local}: every instance polls every server) and
 * for cluster-shared monitoring, in the same run. Then the instance that polls kills -9 and
 * the others take over.
 *
 * <p>Short mode (CI): 2 shards, 2 and 3 instances, 6 s windows. Long mode, as the issue asks
 * (4 shards, 2, 5 and 10 instances, 10 s windows): {@code -Dstrata.fleet.long=true}. The table
 * goes to standard output (and {@code target/fleet-monitoring.txt}):
 * <pre>
 * bash .ci/as-user mvn -B -ntp -pl replication -am verify -Dtest=FleetMonitoringTest \
 *     -Dsurefire.failIfNoSpecifiedTests=false -Dstrata.fleet.long=true
 * </pre>
 */
class FleetMonitoringTest {

    private static final boolean LONG = Boolean.getBoolean("strata.fleet.long");
    private static final int SHARDS = Integer.getInteger("strata.fleet.shards", LONG ? 4 : 2);
    private static final List<Integer> INSTANCES =
            parse(System.getProperty("strata.fleet.instances", LONG ? "2,5,10" : "2,3"));
    private static final Duration WINDOW = Duration.ofSeconds(Integer.getInteger("strata.fleet.window", LONG ? 10 : 6));

    private static List<Integer> parse(String s) {
        List<Integer> out = new ArrayList<>();
        for (String x : s.split(",")) {
            out.add(Integer.valueOf(x.trim()));
        }
        return out;
    }

    record Row(
            String mode,
            int instances,
            double maxPollsPerServer,
            long maxMonitorConnections,
            double monitorCpuMsPerSecondPerInstance,
            double pollerCpuMsPerSecondPerInstance,
            double assignmentCpuMsPerSecondPerInstance,
            double processCpuMsPerSecondPerInstance,
            double samplesPerSecondPerInstance) {}

    @Test
    void monitorLoadPerServerStaysFlatAsInstancesGrow() throws Exception {
        Path dir = Files.createTempDirectory("strata-fleet");
        List<Row> rows = new ArrayList<>();
        StringBuilder takeover = new StringBuilder();
        try (PgTopology topology = PgTopology.builder()
                .shards(SHARDS)
                .replicasPerShard(1)
                .setting("shared_preload_libraries", "pg_stat_statements")
                .start()) {
            List<PgServer> servers = new ArrayList<>();
            for (PgShard s : topology.shards()) {
                s.primary().execute("create extension if not exists pg_stat_statements");
                servers.add(s.primary());
                servers.addAll(s.replicas());
            }
            for (PgServer s : servers) {
                // the extension reaches the replicas through WAL
                await().atMost(Duration.ofMinutes(1)).ignoreExceptions().until(() -> polls(s) >= 0);
            }
            String shards = topology.shards().stream()
                    .map(s -> s.name() + ";" + s.primary().jdbcUrl() + ";"
                            + s.replica(0).jdbcUrl())
                    .collect(Collectors.joining(","));
            String user = topology.shard(0).primary().user();
            int run = 0;
            for (int n : INSTANCES) {
                for (String mode : List.of("local", "cluster")) {
                    Fleet fleet = new Fleet(dir.resolve("run-" + run++), mode, n, shards, user);
                    try {
                        fleet.start();
                        // Steady state: every instance is monitoring; in the cluster, the members
                        // have divided the servers (at most one poller per server, or two while
                        // a view converges).
                        await("steady monitor connections (" + mode + ", " + n + " instances)")
                                .atMost(Duration.ofMinutes(2))
                                .pollInterval(Duration.ofMillis(500))
                                .until(() -> servers.stream().allMatch(s -> {
                                    long c = monitorConnections(s);
                                    return mode.equals("local") ? c == n : c == 1;
                                }));
                        rows.add(measure(fleet, servers, mode, n));
                        if (mode.equals("cluster") && n == INSTANCES.get(INSTANCES.size() - 1)) {
                            takeover.append(killThePollerAndAwaitTakeover(fleet, servers));
                        }
                    } finally {
                        fleet.stop();
                    }
                    for (PgServer s : servers) {
                        await().atMost(Duration.ofMinutes(1)).until(() -> monitorConnections(s) == 0);
                    }
                }
            }
        }
        // Kept for a look when the run failed; removed when it got here.
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
        }
        StringBuilder table = new StringBuilder();
        table.append(String.format(
                Locale.ROOT,
                "fleet monitoring, %d shards x (1+1), %d s windows, counted on the servers%n",
                SHARDS,
                WINDOW.toSeconds()));
        table.append(String.format(
                Locale.ROOT,
                "%-8s %9s %22s %26s %24s %28s %24s %20s%n",
                "mode",
                "instances",
                "max polls/s per server",
                "max monitor conns/server",
                "monitor CPU ms/s/inst",
                "(node threads + exchange)",
                "process CPU ms/s/inst",
                "samples in/s/inst"));
        for (Row r : rows) {
            table.append(String.format(
                    Locale.ROOT,
                    "%-8s %9d %22.1f %26d %24.2f %28s %24.1f %20.1f%n",
                    r.mode(),
                    r.instances(),
                    r.maxPollsPerServer(),
                    r.maxMonitorConnections(),
                    r.monitorCpuMsPerSecondPerInstance(),
                    String.format(
                            Locale.ROOT,
                            "%.2f + %.2f",
                            r.pollerCpuMsPerSecondPerInstance(),
                            r.assignmentCpuMsPerSecondPerInstance()),
                    r.processCpuMsPerSecondPerInstance(),
                    r.samplesPerSecondPerInstance()));
        }
        table.append(takeover);
        System.out.println(table);
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target", "fleet-monitoring.txt"), table);
        for (Row r : rows) {
            if (r.mode().equals("cluster")) {
                assertThat(r.maxPollsPerServer())
                        .as("polls/s per server, cluster, %d instances", r.instances())
                        .isLessThanOrEqualTo(20);
                assertThat(r.maxMonitorConnections())
                        .as("monitor connections per server, %d instances", r.instances())
                        .isLessThanOrEqualTo(2);
            } else {
                assertThat(r.maxMonitorConnections())
                        .as("today's design: one per instance")
                        .isEqualTo(r.instances());
            }
        }
    }

    private static long monitorConnections(PgServer s) {
        return s.queryLong("select count(*) from pg_stat_activity where application_name = 'strata-lag-monitor'");
    }

    /**
     * Monitor polls this server has executed: pg_stat_statements' call count of the monitor's
     * query (exact and immediate, unlike pg_stat_database, whose backends flush their counts at
     * most every few seconds).
     */
    private static long polls(PgServer s) {
        return s.queryLong("select coalesce(sum(calls), 0)::bigint from pg_stat_statements "
                + "where query like 'select pg_is_in_recovery(), (case when pg_is_in_recovery()%'");
    }

    private Row measure(Fleet fleet, List<PgServer> servers, String mode, int n) throws IOException {
        long[] before = new long[servers.size()];
        long maxConns = 0;
        for (int i = 0; i < servers.size(); i++) {
            before[i] = polls(servers.get(i));
            maxConns = Math.max(maxConns, monitorConnections(servers.get(i)));
        }
        long[][] statsBefore = fleet.stats();
        long start = System.nanoTime();
        // A rate needs a window; nothing is asserted about how long anything takes.
        LockSupport.parkNanos(WINDOW.toNanos());
        long[][] statsAfter = fleet.stats();
        double maxPolls = 0;
        for (int i = 0; i < servers.size(); i++) {
            long after = polls(servers.get(i));
            double seconds = (System.nanoTime() - start) / 1e9;
            maxPolls = Math.max(maxPolls, (after - before[i]) / seconds);
            maxConns = Math.max(maxConns, monitorConnections(servers.get(i)));
        }
        double monitorCpu = 0;
        double pollerCpu = 0;
        double assignmentCpu = 0;
        double processCpu = 0;
        double samples = 0;
        for (int m = 0; m < n; m++) {
            double seconds = (statsAfter[m][5] - statsBefore[m][5]) / 1e9;
            monitorCpu += (statsAfter[m][3] - statsBefore[m][3]) / 1e6 / seconds;
            pollerCpu += (statsAfter[m][6] - statsBefore[m][6]) / 1e6 / seconds;
            assignmentCpu += (statsAfter[m][7] - statsBefore[m][7]) / 1e6 / seconds;
            processCpu += (statsAfter[m][4] - statsBefore[m][4]) / 1e6 / seconds;
            samples += (statsAfter[m][2] - statsBefore[m][2]) / seconds;
        }
        return new Row(
                mode,
                n,
                maxPolls,
                maxConns,
                monitorCpu / n,
                pollerCpu / n,
                assignmentCpu / n,
                processCpu / n,
                samples / n);
    }

    private String killThePollerAndAwaitTakeover(Fleet fleet, List<PgServer> servers) throws IOException {
        // The member with the most own polls polls at least one server: kill -9 it.
        long[][] s0 = fleet.stats();
        LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(2));
        long[][] s1 = fleet.stats();
        int victim = 0;
        long most = -1;
        for (int m = 0; m < s1.length; m++) {
            long own = s1[m][0] - s0[m][0];
            if (own > most) {
                most = own;
                victim = m;
            }
        }
        long killedAt = System.nanoTime();
        fleet.kill(victim);
        // The servers it polled see its connections go; the survivors fall back, then divide the
        // servers again once the cluster has noticed.
        await("the others take over the killed poller's servers")
                .atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> servers.stream().allMatch(s -> monitorConnections(s) == 1));
        long[][] a = fleet.stats();
        LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(2));
        long[][] b = fleet.stats();
        long ownAfter = 0;
        for (int m = 0; m < b.length; m++) {
            if (m != victim) {
                ownAfter += b[m][0] - a[m][0];
            }
        }
        assertThat(ownAfter).as("the survivors poll").isPositive();
        return String.format(
                Locale.ROOT,
                "kill -9 of the instance polling the most servers (member %d): one monitor connection per server "
                        + "again after %.1f s%n",
                victim,
                (System.nanoTime() - killedAt) / 1e9);
    }

    /** N member JVMs. */
    private static final class Fleet {
        private final Path dir;
        private final String mode;
        private final int n;
        private final String shards;
        private final String user;
        private final Process[] processes;
        private final boolean[] killed;

        Fleet(Path dir, String mode, int n, String shards, String user) throws IOException {
            this.dir = Files.createDirectories(dir);
            this.mode = mode;
            this.n = n;
            this.shards = shards;
            this.user = user;
            this.processes = new Process[n];
            this.killed = new boolean[n];
        }

        void start() throws IOException {
            String cluster = HazelcastTestMembers.newClusterName();
            List<Integer> ports = HazelcastTestMembers.freePorts(n);
            String portList = ports.stream().map(String::valueOf).collect(Collectors.joining(","));
            String javaExe =
                    Path.of(System.getProperty("java.home"), "bin", "java").toString();
            String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            for (int i = 0; i < n; i++) {
                List<String> cmd = new ArrayList<>(List.of(
                        javaExe,
                        mode.equals("cluster") ? "-Xmx160m" : "-Xmx96m",
                        "-XX:+UseSerialGC",
                        "-XX:TieredStopAtLevel=1",
                        "-XX:ActiveProcessorCount=1",
                        "-Dhazelcast.logging.type=slf4j",
                        "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                        "-cp",
                        classPath,
                        FleetMember.class.getName(),
                        "mode=" + mode,
                        "shards=" + shards,
                        "user=" + user,
                        "ready=" + dir.resolve("ready-" + i),
                        "stats=" + dir.resolve("stats-" + i),
                        "stop=" + dir.resolve("stop"),
                        "cluster=" + cluster,
                        "ports=" + portList,
                        "index=" + i));
                processes[i] = new ProcessBuilder(cmd)
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(
                                dir.resolve("member-" + i + ".out").toFile()))
                        .start();
            }
            for (int i = 0; i < n; i++) {
                int m = i;
                await("instance " + i + " ready")
                        .atMost(Duration.ofMinutes(3))
                        .pollInterval(Duration.ofMillis(200))
                        .until(() -> {
                            if (!processes[m].isAlive()) {
                                throw new IllegalStateException("instance " + m + " exited: "
                                        + Files.readString(dir.resolve("member-" + m + ".out")));
                            }
                            return Files.exists(dir.resolve("stats-" + m));
                        });
            }
        }

        /** Per instance: own polls, fallback polls, samples applied, monitor CPU ns, process CPU ns, nanoTime. */
        long[][] stats() {
            long[][] out = new long[n][];
            for (int i = 0; i < n; i++) {
                try {
                    String[] f =
                            Files.readString(dir.resolve("stats-" + i)).trim().split(" ");
                    out[i] = new long[f.length];
                    for (int j = 0; j < f.length; j++) {
                        out[i][j] = Long.parseLong(f[j]);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return out;
        }

        void kill(int i) {
            processes[i].destroyForcibly();
            killed[i] = true;
        }

        void stop() throws Exception {
            Files.writeString(dir.resolve("stop"), "stop");
            for (Process p : processes) {
                if (p != null && !p.waitFor(1, TimeUnit.MINUTES)) {
                    p.destroyForcibly();
                }
            }
        }
    }
}
