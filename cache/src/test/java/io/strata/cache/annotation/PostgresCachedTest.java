package io.strata.cache.annotation;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.strata.cache.Databases;
import io.strata.cache.Item;
import io.strata.cache.JdbcStore;
import io.strata.cache.LocalTier;
import io.strata.cache.TieredCache;
import io.strata.cache.WriteStrategy;
import io.strata.testkit.PgServer;
import io.strata.testkit.PgTopology;
import io.strata.testkit.WithPgTopology;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A proxy over a write-through tiered cache whose {@code Store} is a {@link JdbcStore} on a real
 * PostgreSQL: {@code @CachePut} reaches the table through the store, {@code @Cached} misses read it
 * through the repository, {@code @CacheEvict} makes the next read go back to the table.
 */
@WithPgTopology(shards = 1, replicasPerShard = 0)
class PostgresCachedTest {

    interface ItemRepository {
        @Cached(cache = "pg_items")
        Item find(long id);

        @CachePut(cache = "pg_items", key = "id")
        Item save(long id, Item item);

        @CacheEvict(cache = "pg_items")
        void forget(long id);
    }

    /** Reads through the store; saving only validates, the write-through cache writes the row. */
    static final class StoreRepository implements ItemRepository {
        final JdbcStore<Long, Item> store;
        final AtomicInteger reads = new AtomicInteger();

        StoreRepository(JdbcStore<Long, Item> store) {
            this.store = store;
        }

        @Override
        public Item find(long id) {
            reads.incrementAndGet();
            return store.load(id);
        }

        @Override
        public Item save(long id, Item item) {
            if (item.name().isBlank()) {
                throw new IllegalArgumentException("name is blank");
            }
            return item;
        }

        @Override
        public void forget(long id) {}
    }

    private static PgServer server;
    private static HikariDataSource pool;
    private TieredCache<Long, Item> cache;
    private StoreRepository target;
    private ItemRepository repository;

    @BeforeAll
    static void connect(PgTopology topology) {
        server = topology.shard(0).primary();
        pool = Databases.pool(server, 4);
    }

    @AfterAll
    static void disconnect() {
        pool.close();
    }

    @BeforeEach
    void setUp() {
        Databases.table(server, "pg_items");
        JdbcStore<Long, Item> store =
                JdbcStore.builder(pool, "pg_items", Long.class, Item.class).build();
        cache = TieredCache.builder("pg_items", Long.class, Item.class)
                .tier(LocalTier.builder().build())
                .store(store)
                .writeStrategy(WriteStrategy.writeThrough())
                .negativeTtl(Duration.ofSeconds(30))
                .build();
        target = new StoreRepository(store);
        repository = CachingProxyFactory.builder().cache(cache).build().proxy(ItemRepository.class, target);
    }

    @AfterEach
    void tearDown() {
        cache.close();
    }

    @Test
    void putWritesTheTableThroughTheStore_andReadsHitTheCache() {
        assertThat(repository.save(1, new Item("first", 1))).isEqualTo(new Item("first", 1));
        assertThat(server.queryString("SELECT value->>'name' FROM pg_items WHERE id = 1"))
                .isEqualTo("first");
        assertThat(repository.find(1)).isEqualTo(new Item("first", 1));
        assertThat(target.reads).hasValue(0);
    }

    @Test
    void afterEvict_theNextReadGoesBackToTheTable() {
        repository.save(2, new Item("first", 1));
        server.execute(
                "UPDATE pg_items SET value = '{\"name\":\"changed behind the cache\",\"revision\":2}' WHERE id = 2");
        assertThat(repository.find(2).name()).isEqualTo("first");
        repository.forget(2);
        assertThat(repository.find(2)).isEqualTo(new Item("changed behind the cache", 2));
        assertThat(repository.find(2)).isEqualTo(new Item("changed behind the cache", 2));
        assertThat(target.reads).hasValue(1);
    }

    @Test
    void aMissingRow_isOneRead_thenANegativeEntry() {
        assertThat(repository.find(404)).isNull();
        assertThat(repository.find(404)).isNull();
        assertThat(target.reads).hasValue(1);
    }

    @Test
    void aRejectedSave_writesNothing() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> repository.save(3, new Item(" ", 1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(server.queryLong("SELECT count(*) FROM pg_items WHERE id = 3"))
                .isZero();
        assertThat(repository.find(3)).isNull();
    }
}
