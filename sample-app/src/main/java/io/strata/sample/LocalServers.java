package io.strata.sample;

import io.strata.testkit.PgServer;
import io.strata.testkit.PgShard;
import io.strata.testkit.PgTopology;
import io.strata.testkit.RedisNode;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The embedded servers, from the testkit: 2 shards, each a PostgreSQL primary with one streaming
 * replica, and a Redis, all real processes on free loopback ports that end when this closes.
 */
final class LocalServers implements AutoCloseable {

    final PgTopology topology;
    final RedisNode redis;

    private LocalServers(PgTopology topology, RedisNode redis) {
        this.topology = topology;
        this.redis = redis;
    }

    static LocalServers start() {
        PgTopology topology = PgTopology.builder()
                .shards(2)
                .replicasPerShard(1)
                .setting("max_connections", "200")
                .start();
        try {
            return new LocalServers(topology, RedisNode.start());
        } catch (RuntimeException e) {
            topology.close();
            throw e;
        }
    }

    /** Every shard's endpoints. */
    List<ShardEndpoints> shards() {
        List<ShardEndpoints> shards = new ArrayList<>();
        for (PgShard shard : topology.shards()) {
            List<String> replicas = new ArrayList<>();
            for (PgServer r : shard.replicas()) {
                replicas.add(r.jdbcUrl());
            }
            shards.add(new ShardEndpoints(
                    shard.name(),
                    shard.primary().jdbcUrl(),
                    List.copyOf(replicas),
                    shard.primary().user(),
                    ""));
        }
        return List.copyOf(shards);
    }

    /** The process ids of every server (to check that none is left). */
    List<Long> pids() {
        List<Long> pids = new ArrayList<>();
        for (PgShard shard : topology.shards()) {
            for (PgServer s : shard.servers()) {
                pids.add(s.pid());
            }
        }
        pids.add(redis.pid());
        return pids;
    }

    void print(PrintStream out) {
        for (PgShard shard : topology.shards()) {
            for (PgServer s : shard.servers()) {
                out.printf("  %-16s %s (pid %d)%n", s.name(), s.jdbcUrl(), s.pid());
            }
        }
        out.printf("  %-16s %s (pid %d)%n", "redis", redis.uri(), redis.pid());
    }

    @Override
    public void close() {
        try {
            redis.close();
        } finally {
            topology.close();
        }
    }
}
