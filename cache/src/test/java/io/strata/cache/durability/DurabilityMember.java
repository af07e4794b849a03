package io.strata.cache.durability;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.strata.cache.Coordination;
import io.strata.cache.HazelcastCoordination;
import io.strata.cache.Item;
import io.strata.cache.JdbcStore;
import io.strata.cache.LocalTier;
import io.strata.cache.RedisCoordination;
import io.strata.cache.TieredCache;
import io.strata.cache.WriteStrategy;
import io.strata.cache.internal.DefaultTieredCache;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisPooled;

/**
 * One member of the durability check, run as its own JVM by {@link DurabilityChecker}: a Hazelcast
 * member (or a plain process on Redis) with a write-behind cache over PostgreSQL, and one writer
 * that puts random keys of its own range with rising revisions and appends {@code "key revision\n"}
 * to its ack log after each put returned (flushed to the OS per line, so a {@code kill -9} of this
 * JVM keeps every line written). When the stop file appears it stops writing, waits for the queue
 * to drain, closes the cache and exits 0.
 *
 * <p>Arguments are {@code name=value}: {@code mode} (hazelcast|redis), {@code jdbc}, {@code user},
 * {@code table}, {@code log}, {@code ready}, {@code stop}, {@code keysFrom}, {@code keysTo};
 * hazelcast: {@code cluster}, {@code ports} (comma-separated), {@code index}; redis:
 * {@code redisPort}, {@code durability}.
 */
public final class DurabilityMember {

    private DurabilityMember() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            a.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        Path log = Path.of(a.get("log"));
        Path stop = Path.of(a.get("stop"));
        long from = Long.parseLong(a.get("keysFrom"));
        long to = Long.parseLong(a.get("keysTo"));
        long revision = DurabilityChecker.acknowledged(log).values().stream()
                        .mapToLong(Long::longValue)
                        .max()
                        .orElse(0)
                + 1_000; // past any put that was in flight when the previous writer died

        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(a.get("jdbc"));
        hc.setUsername(a.get("user"));
        hc.setMaximumPoolSize(3);
        hc.setMinimumIdle(0);
        hc.setConnectionTimeout(2_000);
        hc.setInitializationFailTimeout(-1);
        HazelcastInstance hazelcast = null;
        JedisPooled jedis = null;
        Coordination coordination;
        if ("hazelcast".equals(a.get("mode"))) {
            hazelcast = Hazelcast.newHazelcastInstance(
                    hazelcastConfig(a.get("cluster"), a.get("ports"), Integer.parseInt(a.get("index"))));
            coordination = HazelcastCoordination.of(hazelcast);
        } else {
            jedis = new JedisPooled(
                    new HostAndPort("127.0.0.1", Integer.parseInt(a.get("redisPort"))),
                    DefaultJedisClientConfig.builder()
                            .socketTimeoutMillis(1_000)
                            .connectionTimeoutMillis(1_000)
                            .build());
            coordination = RedisCoordination.of(jedis)
                    .writeBehindDurability(RedisCoordination.Durability.valueOf(a.get("durability")));
        }
        try (HikariDataSource db = new HikariDataSource(hc);
                TieredCache<Long, Item> cache = TieredCache.builder(a.get("table"), Long.class, Item.class)
                        .tier(LocalTier.builder().maximumSize(10_000).build())
                        .coordination(coordination)
                        .store(JdbcStore.builder(db, a.get("table"), Long.class, Item.class)
                                .build())
                        .writeStrategy(WriteStrategy.writeBehind()
                                .withPartitions(8)
                                .withBackoff(Duration.ofMillis(50), Duration.ofSeconds(1))
                                .withCloseTimeout(Duration.ofSeconds(60)))
                        .build();
                BufferedWriter out = Files.newBufferedWriter(
                        log, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            if (hazelcast != null) {
                while (!hazelcast.getPartitionService().isClusterSafe()) {
                    TimeUnit.MILLISECONDS.sleep(50); // backups in place before the checker may kill another member
                }
            }
            Files.writeString(Path.of(a.get("ready")), "ready");
            ThreadLocalRandom random = ThreadLocalRandom.current();
            while (!Files.exists(stop)) {
                long key = random.nextLong(from, to);
                long r = ++revision;
                try {
                    cache.put(key, new Item("r" + r, r));
                } catch (RuntimeException e) {
                    TimeUnit.MILLISECONDS.sleep(20); // not acknowledged (Redis down, a member leaving): not logged
                    continue;
                }
                out.write(key + " " + r + "\n");
                out.flush(); // to the OS: survives kill -9 of this JVM
            }
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (((DefaultTieredCache<Long, Item>) cache).writeBehindQueue().depth() != 0
                    && System.nanoTime() < deadline) {
                TimeUnit.MILLISECONDS.sleep(100);
            }
        } finally {
            if (hazelcast != null) {
                hazelcast.shutdown();
            }
            if (jedis != null) {
                jedis.close();
            }
        }
        System.exit(0);
    }

    private static Config hazelcastConfig(String cluster, String ports, int index) {
        String[] all = ports.split(",");
        Config c = new Config();
        c.setClusterName(cluster);
        c.setInstanceName(cluster + "-" + index + "-" + ProcessHandle.current().pid());
        c.setProperty("hazelcast.phone.home.enabled", "false");
        c.setProperty("hazelcast.logging.type", "slf4j");
        c.setProperty("hazelcast.partition.count", "31");
        c.setProperty("hazelcast.wait.seconds.before.join", "0");
        c.setProperty("hazelcast.shutdownhook.enabled", "false");
        c.setProperty("hazelcast.socket.bind.any", "false");
        c.setProperty("hazelcast.max.no.heartbeat.seconds", "10");
        c.setProperty("hazelcast.heartbeat.interval.seconds", "1");
        NetworkConfig net = c.getNetworkConfig();
        net.setPort(Integer.parseInt(all[index])).setPortAutoIncrement(false);
        net.getInterfaces().setEnabled(true).addInterface("127.0.0.1");
        JoinConfig join = net.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true);
        for (String p : all) {
            join.getTcpIpConfig().addMember("127.0.0.1:" + p);
        }
        return c;
    }
}
