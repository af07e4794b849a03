package io.strata.cache;

import static org.awaitility.Awaitility.await;

import io.strata.testkit.RedisNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisCluster;

/**
 * A real three-master Redis Cluster on loopback, from the same redis-server binary the testkit
 * runs (the testkit's RedisNode starts standalone servers only).
 */
public final class RedisClusterNodes implements AutoCloseable {

    private final List<Process> processes = new ArrayList<>();
    private final List<Integer> ports = new ArrayList<>();
    private final Path dir;

    private RedisClusterNodes(Path dir) {
        this.dir = dir;
    }

    public static RedisClusterNodes start() throws Exception {
        String binary;
        try (RedisNode probe = RedisNode.start()) {
            binary =
                    ProcessHandle.of(probe.pid()).orElseThrow().info().command().orElseThrow();
        }
        RedisClusterNodes c = new RedisClusterNodes(Files.createTempDirectory("strata-redis-cluster"));
        for (int i = 0; i < 3; i++) {
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            Path d = Files.createDirectories(c.dir.resolve("n" + i));
            c.ports.add(port);
            c.processes.add(new ProcessBuilder(
                            binary,
                            "--port",
                            Integer.toString(port),
                            "--bind",
                            "127.0.0.1",
                            "--protected-mode",
                            "no",
                            "--save",
                            "",
                            "--appendonly",
                            "no",
                            "--dir",
                            d.toString(),
                            "--cluster-enabled",
                            "yes",
                            "--cluster-config-file",
                            "nodes.conf",
                            "--cluster-node-timeout",
                            "2000")
                    .redirectErrorStream(true)
                    .redirectOutput(d.resolve("redis.log").toFile())
                    .start());
        }
        for (int port : c.ports) {
            await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
                try (Jedis j = new Jedis("127.0.0.1", port)) {
                    return "PONG".equals(j.ping());
                }
            });
        }
        int[][] ranges = {{0, 5460}, {5461, 10922}, {10923, 16383}};
        for (int i = 0; i < 3; i++) {
            try (Jedis j = new Jedis("127.0.0.1", c.ports.get(i))) {
                int[] slots = new int[ranges[i][1] - ranges[i][0] + 1];
                for (int s = 0; s < slots.length; s++) {
                    slots[s] = ranges[i][0] + s;
                }
                j.clusterAddSlots(slots);
                if (i > 0) {
                    j.clusterMeet("127.0.0.1", c.ports.get(0));
                }
            }
        }
        for (int port : c.ports) {
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                try (Jedis j = new Jedis("127.0.0.1", port)) {
                    return j.clusterInfo().contains("cluster_state:ok")
                            && j.clusterInfo().contains("cluster_known_nodes:3");
                }
            });
        }
        return c;
    }

    /** The masters' ports. */
    public List<Integer> ports() {
        return List.copyOf(ports);
    }

    public JedisCluster client() {
        return new JedisCluster(new HostAndPort("127.0.0.1", ports.get(0)), 2000);
    }

    @Override
    public void close() {
        processes.forEach(Process::destroyForcibly);
        for (Process p : processes) {
            try {
                p.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
