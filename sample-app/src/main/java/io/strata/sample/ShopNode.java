package io.strata.sample;

import com.hazelcast.core.HazelcastInstance;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisPooled;

/**
 * One shop member, what every JVM of the service runs: its Hazelcast member, a Redis client,
 * Strata's sharding data source, the caches and the {@link Shop}. Metrics go to a Prometheus
 * registry.
 */
final class ShopNode implements AutoCloseable {

    private static final List<String> WRITE_BEHIND_CACHES = List.of("carts", "product-views");

    final MemberSettings settings;
    final PrometheusMeterRegistry registry;
    final HazelcastInstance hazelcast;
    final JedisPooled redis;
    final ShopDatabase database;
    final ShopCaches caches;
    final Shop shop;
    private boolean cachesClosed;

    private ShopNode(
            MemberSettings settings,
            PrometheusMeterRegistry registry,
            HazelcastInstance hazelcast,
            JedisPooled redis,
            ShopDatabase database) {
        this.settings = settings;
        this.registry = registry;
        this.hazelcast = hazelcast;
        this.redis = redis;
        this.database = database;
        this.caches = new ShopCaches(database.dataSource, hazelcast, redis, registry);
        this.shop = new Shop(database.dataSource, caches, hazelcast.getFlakeIdGenerator("order-ids"));
    }

    /** Starts a member; on failure closes what it started. */
    static ShopNode start(MemberSettings settings) throws SQLException {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        List<AutoCloseable> started = new ArrayList<>();
        started.add(registry::close);
        try {
            URI redisUri = URI.create(settings.redisUri());
            JedisPooled redis = new JedisPooled(
                    new HostAndPort(redisUri.getHost(), redisUri.getPort()),
                    DefaultJedisClientConfig.builder()
                            .connectionTimeoutMillis(1000)
                            .socketTimeoutMillis(500)
                            .build());
            started.add(redis);
            HazelcastInstance hazelcast = HazelcastMember.start(
                    settings.clusterName(),
                    settings.bindAddress(),
                    settings.hazelcastPort(),
                    settings.hazelcastMembers());
            started.add(() -> hazelcast.getLifecycleService().terminate());
            ShopDatabase database = settings.strataUrl() != null
                    ? ShopDatabase.open(settings.strataUrl(), registry)
                    : ShopDatabase.open(settings.shards(), settings.memberName(), settings.workDir(), registry);
            started.add(database);
            return new ShopNode(settings, registry, hazelcast, redis, database);
        } catch (SQLException | RuntimeException e) {
            for (int i = started.size() - 1; i >= 0; i--) {
                try {
                    started.get(i).close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    /**
     * Closes the caches, which flushes the write-behind entries this member owns (the last member
     * to close flushes everything left), and returns how many entries are still queued
     * cluster-wide.
     */
    synchronized long drain() {
        if (!cachesClosed) {
            cachesClosed = true;
            caches.close();
        }
        long pending = 0;
        for (String cache : WRITE_BEHIND_CACHES) {
            pending += hazelcast.getMap("strata-wb." + cache).size();
        }
        return pending;
    }

    /** Closes the caches (draining write-behind this member owns), then the clients and Hazelcast. */
    @Override
    public void close() {
        try {
            drain();
        } finally {
            database.close();
            redis.close();
            hazelcast.shutdown();
            registry.close();
        }
    }
}
