package io.strata.sample;

import com.hazelcast.core.HazelcastInstance;
import io.micrometer.core.instrument.MeterRegistry;
import io.strata.cache.Coordination;
import io.strata.cache.HazelcastCoordination;
import io.strata.cache.HazelcastTier;
import io.strata.cache.JdbcStore;
import io.strata.cache.LocalTier;
import io.strata.cache.RedisTier;
import io.strata.cache.TieredCache;
import io.strata.cache.WriteStrategy;
import java.time.Duration;
import java.util.List;
import javax.sql.DataSource;
import redis.clients.jedis.UnifiedJedis;

/**
 * The shop's four caches, one per write strategy it shows:
 * <ul>
 *   <li>products: Caffeine (2 s), Hazelcast (dropped after 3 s idle), Redis (30 s); cache-aside with
 *       refresh-ahead (reloaded in the background, once cluster-wide, when read 2 s after it was
 *       loaded). The short nearer tiers make every tier answer some reads, which is the point of a
 *       demo; a real catalogue would keep its entries longer;</li>
 *   <li>profiles: Caffeine, Hazelcast, Redis; write-through (PostgreSQL first, then the tiers, then
 *       an invalidation of every other member's Caffeine copy);</li>
 *   <li>carts and product views: Caffeine, Hazelcast; write-behind (acknowledged once in the
 *       Hazelcast queue and its backup, flushed to PostgreSQL in coalesced batches).</li>
 * </ul>
 */
final class ShopCaches implements AutoCloseable {

    final TieredCache<Long, Product> products;
    final TieredCache<Long, Profile> profiles;
    final TieredCache<Long, Cart> carts;
    final TieredCache<Long, ViewCount> views;

    ShopCaches(DataSource shop, HazelcastInstance hazelcast, UnifiedJedis redis, MeterRegistry registry) {
        Coordination coordination = HazelcastCoordination.of(hazelcast);
        this.products = TieredCache.builder("products", Long.class, Product.class)
                .tier(LocalTier.builder()
                        .maximumSize(10_000)
                        .expireAfterWrite(Duration.ofSeconds(2))
                        .build())
                .tier(HazelcastTier.of(hazelcast))
                .tier(RedisTier.of(redis))
                .store(new ProductStore(shop))
                .writeStrategy(WriteStrategy.cacheAside())
                .refreshAfter(Duration.ofSeconds(2))
                .expireAfterWrite(Duration.ofSeconds(30))
                .coordination(coordination)
                .meterRegistry(registry)
                .build();
        this.profiles = TieredCache.builder("profiles", Long.class, Profile.class)
                .tier(LocalTier.builder()
                        .maximumSize(10_000)
                        .expireAfterWrite(Duration.ofSeconds(10))
                        .build())
                .tier(HazelcastTier.of(hazelcast))
                .tier(RedisTier.of(redis))
                .store(JdbcStore.builder(shop, "profiles", Long.class, Profile.class)
                        .keyColumn("customer_id")
                        .build())
                .writeStrategy(WriteStrategy.writeThrough())
                .coordination(coordination)
                .meterRegistry(registry)
                .build();
        this.carts = TieredCache.builder("carts", Long.class, Cart.class)
                .tier(LocalTier.builder()
                        .maximumSize(10_000)
                        .expireAfterWrite(Duration.ofSeconds(10))
                        .build())
                .tier(HazelcastTier.of(hazelcast))
                .store(JdbcStore.builder(shop, "carts", Long.class, Cart.class)
                        .keyColumn("customer_id")
                        .build())
                .writeStrategy(WriteStrategy.writeBehind())
                .coordination(coordination)
                .meterRegistry(registry)
                .build();
        this.views = TieredCache.builder("product-views", Long.class, ViewCount.class)
                .tier(LocalTier.builder()
                        .maximumSize(10_000)
                        .expireAfterWrite(Duration.ofSeconds(10))
                        .build())
                .tier(HazelcastTier.of(hazelcast))
                .store(JdbcStore.builder(shop, "product_views", Long.class, ViewCount.class)
                        .keyColumn("product_id")
                        .build())
                .writeStrategy(WriteStrategy.writeBehind())
                .coordination(coordination)
                .meterRegistry(registry)
                .build();
    }

    List<TieredCache<?, ?>> all() {
        return List.of(products, profiles, carts, views);
    }

    /** Closes every cache; write-behind entries this member owns are flushed first. */
    @Override
    public void close() {
        for (TieredCache<?, ?> cache : all()) {
            cache.close();
        }
    }
}
