package io.strata.router.reshard;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.strata.router.KeyType;
import io.strata.router.ShardMap;
import io.strata.router.internal.reshard.MetaStore;
import io.strata.testkit.PgShard;
import io.strata.testkit.PgTopology;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Issue 13's grow test: 2 shards x (1+1) grow to 4 while 3 member JVMs (separate processes, each a
 * ShardingDataSource with resharding enabled) run keyed writes, multi-shard transactions and reads.
 * Then a full diff of the table against what the members acknowledged: 0 lost, 0 duplicated, 0
 * rows on a shard that does not own their slot, every member on the final epoch; the write pause
 * each member saw (max, p99) is printed. And, directly, 0 writes accepted by an old owner after its
 * cutover: an audit trigger on every source counts commits to moved slots after the fence was
 * complete ({@link WriteAudit}). Short by default (CI); {@code -Dstrata.reshard.long=true}
 * loads more rows and runs longer.
 */
class GrowTest {

    static final boolean LONG = Boolean.getBoolean("strata.reshard.long");

    /** One member's output as it arrives. */
    static final class Member {
        final Process process;
        final Map<Long, Long> acked = new ConcurrentHashMap<>(); // id -> last value (I/U), -1 for T rows
        final Set<Long> failed = ConcurrentHashMap.newKeySet();
        final AtomicLong writes = new AtomicLong();
        final List<String> tail = java.util.Collections.synchronizedList(new ArrayList<>());
        final CountDownLatch ready = new CountDownLatch(1);
        final CountDownLatch done = new CountDownLatch(1);

        Member(Process process) {
            this.process = process;
            Thread reader = new Thread(this::read, "member-reader");
            reader.setDaemon(true);
            reader.start();
        }

        private void read() {
            try (BufferedReader out =
                    new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                    String[] p = line.split(" ");
                    switch (p[0]) {
                        case "READY" -> ready.countDown();
                        case "I", "U" -> {
                            acked.put(Long.parseLong(p[1]), Long.parseLong(p[2]));
                            writes.incrementAndGet();
                        }
                        case "T" -> {
                            acked.put(Long.parseLong(p[1]), -1L);
                            acked.put(Long.parseLong(p[2]), -1L);
                            writes.incrementAndGet();
                        }
                        case "F" -> failed.add(Long.parseLong(p[1]));
                        default -> tail.add(line);
                    }
                    if (line.equals("DONE")) {
                        done.countDown();
                    }
                }
            } catch (Exception e) {
                tail.add("reader failed: " + e);
            } finally {
                ready.countDown();
                done.countDown();
            }
        }

        String tailLine(String prefix) {
            synchronized (tail) {
                return tail.stream()
                        .filter(l -> l.startsWith(prefix))
                        .findFirst()
                        .orElse("");
            }
        }
    }

    @Test
    void twoShardsGrowToFourWhileThreeMemberJvmsWrite() throws Exception {
        try (PgTopology topology = PgTopology.builder()
                .shards(4)
                .replicasPerShard(1)
                .logicalReplication()
                .setting("max_connections", "150")
                .start()) {
            for (PgShard s : topology.shards()) {
                s.primary()
                        .execute(
                                "CREATE TABLE g_accounts (id bigint PRIMARY KEY, balance bigint NOT NULL, member int)");
                s.primary().execute("CREATE TABLE g_countries (code text PRIMARY KEY, name text NOT NULL)");
            }
            // Issue 13's "0 writes accepted by an old owner after its cutover", checked directly.
            WriteAudit.installEverywhere(topology, "g_accounts", "id", "LONG", ShardMap.DEFAULT_SLOTS);
            Path dir = Files.createTempDirectory("strata-grow");
            List<Member> members = new ArrayList<>();
            try {
                for (int i = 1; i <= 3; i++) {
                    Path yaml = dir.resolve("member" + i + ".yaml");
                    Files.writeString(yaml, yaml(topology, "m" + i, dir.resolve("m" + i + ".log")));
                    Process p = new ProcessBuilder(
                                    ProcessHandle.current().info().command().orElse("java"),
                                    "-cp",
                                    System.getProperty("java.class.path"),
                                    GrowMemberChild.class.getName(),
                                    yaml.toString(),
                                    Integer.toString(i))
                            .redirectErrorStream(true)
                            .start();
                    members.add(new Member(p));
                }
                for (Member m : members) {
                    assertThat(m.ready.await(120, TimeUnit.SECONDS)).isTrue();
                }
                long before = LONG ? 3000 : 150;
                Awaitility.await()
                        .atMost(Duration.ofMinutes(3))
                        .until(() -> members.stream().allMatch(m -> m.writes.get() >= before));
                Resharding r = Resharding.fromYaml(dir.resolve("member1.yaml").toString(), new SimpleMeterRegistry());
                MovePlan plan = r.planAddShards("grow", List.of("shard2", "shard3"));
                assertThat(plan.moves()).hasSize(2);
                long t0 = System.nanoTime();
                r.run(plan, Duration.ofMinutes(5));
                long moveMillis = (System.nanoTime() - t0) / 1_000_000;
                assertThat(r.status()).allSatisfy(s -> assertThat(s.phase()).isEqualTo(MoveStatus.Phase.DONE));
                long after = members.stream().mapToLong(m -> m.writes.get()).sum() + 150;
                Awaitility.await()
                        .atMost(Duration.ofMinutes(3))
                        .until(() ->
                                members.stream().mapToLong(m -> m.writes.get()).sum() >= after);
                for (Member m : members) {
                    try (Writer w = new OutputStreamWriter(m.process.getOutputStream(), StandardCharsets.UTF_8)) {
                        w.write("STOP\n");
                    }
                }
                for (Member m : members) {
                    assertThat(m.done.await(120, TimeUnit.SECONDS)).isTrue();
                }
                // The diff.
                MetaStore.MapEpoch epoch;
                try (Connection c = topology.shard(0).primary().connect()) {
                    epoch = MetaStore.read(c, -1);
                }
                assertThat(epoch).isNotNull();
                ShardMap map = epoch.map();
                assertThat(map.owningShards()).containsExactlyInAnyOrder("shard0", "shard1", "shard2", "shard3");
                assertThat(epoch.moving()).isEmpty();
                Map<Long, Long> seen = new HashMap<>();
                List<String> problems = new ArrayList<>();
                for (PgShard s : topology.shards()) {
                    int index = map.shards().indexOf(s.name());
                    try (Connection c = s.primary().connect();
                            Statement st = c.createStatement();
                            ResultSet rs = st.executeQuery("SELECT id, balance FROM g_accounts")) {
                        while (rs.next()) {
                            long id = rs.getLong(1);
                            if (seen.put(id, rs.getLong(2)) != null) {
                                problems.add("duplicated " + id);
                            }
                            if (map.shardIndexOf(id, KeyType.LONG) != index) {
                                problems.add("row " + id + " on " + s.name() + ", which does not own its slot");
                            }
                        }
                    }
                }
                Set<Long> failed = new HashSet<>();
                Map<Long, Long> acked = new HashMap<>();
                for (Member m : members) {
                    failed.addAll(m.failed);
                    acked.putAll(m.acked);
                }
                for (Map.Entry<Long, Long> e : acked.entrySet()) {
                    Long v = seen.get(e.getKey());
                    if (v == null) {
                        problems.add("lost " + e.getKey());
                    } else if (!v.equals(e.getValue()) && !failed.contains(e.getKey())) {
                        problems.add("row " + e.getKey() + " = " + v + " but " + e.getValue() + " was acknowledged");
                    }
                }
                for (Long id : seen.keySet()) {
                    if (!acked.containsKey(id) && !failed.contains(id)) {
                        problems.add("unacknowledged row " + id);
                    }
                }
                StringBuilder report = new StringBuilder("grow 2 -> 4 in " + moveMillis + " ms; rows " + seen.size()
                        + "; acknowledged " + acked.size() + "; failed " + failed.size() + "\n");
                for (int i = 0; i < members.size(); i++) {
                    Member m = members.get(i);
                    report.append("  member ")
                            .append(i + 1)
                            .append(": ")
                            .append(m.tailLine("EPOCH"))
                            .append(", write latency max/p99 ms: ")
                            .append(m.tailLine("PAUSE"))
                            .append(", ")
                            .append(m.tailLine("ERRORS"))
                            .append('\n');
                }
                WriteAudit.Result audit = WriteAudit.check(topology, "g_accounts");
                report.append("  ").append(audit).append('\n');
                System.out.println(report);
                assertThat(audit.moves()).as("%s", audit).isEqualTo(2);
                assertThat(audit.checked())
                        .as("the audit saw writes to the moved slots")
                        .isPositive();
                assertThat(audit.violations())
                        .as("writes accepted by an old owner after its cutover\n%s", report)
                        .isZero();
                assertThat(problems)
                        .as("diff against acknowledged writes\n%s", report)
                        .isEmpty();
                for (Member m : members) {
                    assertThat(m.tailLine("EPOCH")).isEqualTo("EPOCH " + epoch.epoch());
                    assertThat(m.tailLine("ERRORS")).as("%s", m.tail).isEqualTo("ERRORS 0");
                }
            } finally {
                for (Member m : members) {
                    m.process.destroyForcibly();
                }
            }
        }
    }

    static String yaml(PgTopology topology, String coordinator, Path log) {
        StringBuilder y = new StringBuilder("shards:\n");
        for (PgShard s : topology.shards()) {
            y.append("  - name: ").append(s.name()).append('\n');
            y.append("    primary: ").append(s.primary().jdbcUrl()).append('\n');
            y.append("    replicas: [").append(s.replica(0).jdbcUrl()).append("]\n");
            y.append("    username: ").append(s.primary().user()).append('\n');
            y.append("    pool: { maximumPoolSize: 6 }\n");
        }
        y.append("tables:\n  g_accounts: { sharded: id, type: bigint }\n  g_countries: broadcast\n");
        y.append("transactions: { policy: two-phase, coordinatorId: ")
                .append(coordinator)
                .append(", log: ")
                .append(log)
                .append(" }\n");
        y.append("consistency: strong\n");
        y.append("resharding: { enabled: true, metadataShard: shard0, initialShards: [shard0, shard1] }\n");
        return y.toString();
    }
}
