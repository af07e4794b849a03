package io.strata.cache.internal;

import io.strata.cache.Item;
import io.strata.cache.RedisClusterNodes;
import io.strata.cache.internal.redis.RedisTierStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import redis.clients.jedis.JedisCluster;

/** The Redis tier on a real three-master Redis Cluster through {@link JedisCluster}. */
class RedisClusterTierTest extends TierContract {

    private static RedisClusterNodes cluster;
    private static JedisCluster jedis;

    @BeforeAll
    static void start() throws Exception {
        cluster = RedisClusterNodes.start();
        jedis = cluster.client();
    }

    @AfterAll
    static void stop() {
        jedis.close();
        cluster.close();
    }

    @Override
    protected TierStore<Long, Item> open(TierContext<Long, Item> context) {
        return new RedisTierStore<>(context, jedis, "strata:" + context.cacheName() + ":");
    }
}
