package io.strata.sample;

import io.strata.testkit.PgServer;
import io.strata.testkit.PgShard;
import io.strata.testkit.PgTopology;
import io.strata.testkit.RedisNode;
import java.time.Duration;
import java.time.Instant;
import redis.clients.jedis.Jedis;

/**
 * The demo a newcomer runs first. Everything is embedded: a 2-shard topology, each shard a
 * primary with a streaming replica, and a Redis node, all real processes that end with the demo.
 */
public final class Demo {

    private Demo() {
    }

    public static void main(String[] args) throws Exception {
        Instant t0 = Instant.now();
        System.out.println("Strata demo: starting 2 shards x (1 primary + 1 streaming replica) and Redis ...");
        try (PgTopology topology = PgTopology.builder().shards(2).replicasPerShard(1).start();
             RedisNode redis = RedisNode.start()) {
            System.out.printf("  started in %d ms%n", Duration.between(t0, Instant.now()).toMillis());
            for (PgShard shard : topology.shards()) {
                for (PgServer server : shard.servers()) {
                    System.out.printf("  %-16s %s (pid %d)%n", server.name(), server.jdbcUrl(), server.pid());
                }
            }
            System.out.printf("  %-16s %s (pid %d)%n", "redis", redis.uri(), redis.pid());

            for (PgShard shard : topology.shards()) {
                PgServer primary = shard.primary();
                PgServer replica = shard.replica(0);
                primary.execute("CREATE TABLE orders (id bigint PRIMARY KEY, customer text)");
                replica.pauseReplay();
                primary.execute("INSERT INTO orders SELECT g, 'customer-' || g FROM generate_series(1, 1000) g");
                long lag = primary.queryLong("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '" + replica.replayLsn() + "')::bigint");
                System.out.printf("%n%s: 1000 rows written on the primary with the replica's replay paused%n", shard.name());
                System.out.printf("  replica sees %d rows, %d bytes of WAL behind%n",
                        replica.queryLong("SELECT count(*) FROM orders"), lag);
                replica.resumeReplay();
                long seen = 0;
                for (int i = 0; i < 500 && seen < 1000; i++) {
                    seen = replica.queryLong("SELECT count(*) FROM orders");
                    if (seen < 1000) {
                        Thread.onSpinWait();
                    }
                }
                System.out.printf("  replay resumed: replica sees %d rows%n", seen);
            }

            try (Jedis jedis = new Jedis(redis.host(), redis.port())) {
                jedis.set("strata:demo", "hello");
                System.out.printf("%nredis: SET/GET strata:demo -> %s%n", jedis.get("strata:demo"));
            }
        }
        System.out.printf("%nAll servers stopped; demo finished in %d ms.%n", Duration.between(t0, Instant.now()).toMillis());
        System.out.println("The full shop workload (sharding, replica routing, tiered caches) arrives with the sample app.");
    }
}
