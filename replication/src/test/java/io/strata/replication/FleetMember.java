package io.strata.replication;

import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * One application instance for {@link FleetMonitoringTest}, run as its own JVM: one
 * {@link ReplicaSetDataSource} per shard (what a {@code ShardingDataSource} holds), with
 * ({@code mode=cluster}) or without ({@code mode=local}, today's design) a Hazelcast cluster of
 * all instances. Writes {@code ready}, then every 200 ms a stats file (own polls, fallback polls,
 * samples applied, CPU nanos of the monitor threads and of the process, the time, and the
 * monitor CPU split into the node monitors' threads and the cluster exchange's), until
 * {@code stop} exists.
 *
 * <p>Arguments {@code key=value}: mode, shards (name;primaryUrl;replicaUrl separated by
 * {@code ,}), user, ready, stats, stop, and for the cluster: cluster, ports, index.
 */
public final class FleetMember {

    private FleetMember() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            a.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        boolean cluster = a.get("mode").equals("cluster");
        HazelcastInstance hz = null;
        if (cluster) {
            List<Integer> ports = Arrays.stream(a.get("ports").split(","))
                    .map(Integer::valueOf)
                    .toList();
            hz = Hazelcast.newHazelcastInstance(
                    HazelcastTestMembers.config(a.get("cluster"), ports, Integer.parseInt(a.get("index"))));
        }
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        List<ReplicaSetDataSource> sources = new ArrayList<>();
        for (String shard : a.get("shards").split(",")) {
            String[] p = shard.split(";");
            ReplicaSetDataSourceBuilder b = ReplicaSetDataSource.builder()
                    .name(p[0])
                    .primary("primary", p[1])
                    .replica("replica", p[2])
                    .username(a.get("user"))
                    .meterRegistry(registry);
            if (hz != null) {
                b.cluster(hz);
            }
            sources.add(b.build());
        }
        Path stats = Path.of(a.get("stats"));
        Path stop = Path.of(a.get("stop"));
        Files.writeString(Path.of(a.get("ready")), "ready");
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        while (!Files.exists(stop)) {
            long monitorCpu = 0;
            long pollerCpu = 0;
            long assignmentCpu = 0;
            for (ThreadInfo t : threads.getThreadInfo(threads.getAllThreadIds())) {
                if (t != null && t.getThreadName().startsWith("strata-lag-")) {
                    long cpu = Math.max(0, threads.getThreadCpuTime(t.getThreadId()));
                    monitorCpu += cpu;
                    if (t.getThreadName().startsWith("strata-lag-monitor-")) {
                        pollerCpu += cpu;
                    } else {
                        assignmentCpu += cpu;
                    }
                }
            }
            String line = (long) sum(registry, "strata.replication.monitor.polls", "source", "own") + " "
                    + (long) sum(registry, "strata.replication.monitor.polls", "source", "fallback") + " "
                    + (long) sum(registry, "strata.replication.monitor.samples", "outcome", "applied") + " "
                    + monitorCpu + " " + os.getProcessCpuTime() + " " + System.nanoTime() + " " + pollerCpu + " "
                    + assignmentCpu;
            Path tmp = stats.resolveSibling(stats.getFileName() + ".tmp");
            Files.writeString(tmp, line);
            Files.move(
                    tmp,
                    stats,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
        }
        sources.forEach(ReplicaSetDataSource::close);
        if (hz != null) {
            hz.shutdown();
        }
        System.exit(0);
    }

    private static double sum(SimpleMeterRegistry r, String name, String tag, String value) {
        return r.find(name).tag(tag, value).functionCounters().stream()
                .mapToDouble(FunctionCounter::count)
                .sum();
    }
}
