package io.strata.cache.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.strata.cache.Databases;
import io.strata.cache.Item;
import io.strata.cache.JdbcStore;
import io.strata.cache.LocalTier;
import io.strata.cache.Store;
import io.strata.cache.TieredCache;
import io.strata.cache.WriteStrategy;
import io.strata.testkit.PgServer;
import io.strata.testkit.PgTopology;
import io.strata.testkit.WithPgTopology;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.cache.CacheManager;
import org.springframework.cache.annotation.CacheEvict;
import org.springframework.cache.annotation.CachePut;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Spring's own annotations in a real context on a {@link StrataCacheManager} whose cache writes
 * through a {@link JdbcStore} to a real PostgreSQL: {@code @CachePut} reaches the table,
 * {@code @Cacheable(sync = true)} reads hit the cache, {@code @CacheEvict} sends the next read
 * back to the table.
 */
@WithPgTopology(shards = 1, replicasPerShard = 0)
class SpringPostgresTest {

    /** A repository bean with Spring's annotations; reads go through the store. */
    public static class ItemService {
        final Store<Long, Item> store;
        final AtomicInteger reads = new AtomicInteger();

        public ItemService(Store<Long, Item> store) {
            this.store = store;
        }

        /** Through a method: the bean is a class proxy whose own fields are not the target's. */
        public int reads() {
            return reads.get();
        }

        @Cacheable(cacheNames = "spring_items", sync = true)
        public Item find(long id) {
            reads.incrementAndGet();
            return store.load(id);
        }

        @CachePut(cacheNames = "spring_items", key = "#id")
        public Item save(long id, Item item) {
            return item;
        }

        @CacheEvict(cacheNames = "spring_items")
        public void forget(long id) {}
    }

    @Configuration
    @EnableCaching(proxyTargetClass = true)
    static class Config {
        @Bean
        JdbcStore<Long, Item> store() {
            return JdbcStore.builder(pool, "spring_items", Long.class, Item.class)
                    .build();
        }

        @Bean(destroyMethod = "close")
        TieredCache<Long, Item> items(JdbcStore<Long, Item> store) {
            return TieredCache.builder("spring_items", Long.class, Item.class)
                    .tier(LocalTier.builder().build())
                    .store(store)
                    .writeStrategy(WriteStrategy.writeThrough())
                    .build();
        }

        @Bean
        CacheManager cacheManager(TieredCache<Long, Item> items) {
            return StrataCacheManager.of(items);
        }

        @Bean
        ItemService itemService(JdbcStore<Long, Item> store) {
            return new ItemService(store);
        }
    }

    private static PgServer server;
    private static HikariDataSource pool;

    @BeforeAll
    static void connect(PgTopology topology) {
        server = topology.shard(0).primary();
        pool = Databases.pool(server, 4);
        Databases.table(server, "spring_items");
    }

    @AfterAll
    static void disconnect() {
        pool.close();
    }

    @Test
    void springCachePut_writesThroughToPostgres_andEvictReadsTheTableAgain() {
        try (AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext(Config.class)) {
            ItemService service = context.getBean(ItemService.class);
            service.save(1, new Item("saved", 1));
            assertThat(server.queryString("SELECT value->>'name' FROM spring_items WHERE id = 1"))
                    .isEqualTo("saved");
            assertThat(service.find(1)).isEqualTo(new Item("saved", 1));
            assertThat(service.reads()).isZero();

            server.execute("UPDATE spring_items SET value = '{\"name\":\"edited\",\"revision\":2}' WHERE id = 1");
            assertThat(service.find(1).name()).isEqualTo("saved");
            service.forget(1);
            assertThat(service.find(1)).isEqualTo(new Item("edited", 2));
            assertThat(service.find(1)).isEqualTo(new Item("edited", 2));
            assertThat(service.reads()).isEqualTo(1);
        }
    }
}
