package io.strata.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import io.strata.testkit.PgServer;
import io.strata.testkit.PgTopology;
import io.strata.testkit.WithPgTopology;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Writes that bypass the cache, announced by a trigger with NOTIFY, invalidate it. */
@WithPgTopology(shards = 1, replicasPerShard = 0)
class PgNotifyInvalidationTest {

    @Test
    void aTriggerNotify_invalidatesTheKey(PgTopology topology) {
        PgServer pg = topology.shard(0).primary();
        Databases.table(pg, "notified");
        pg.execute("CREATE OR REPLACE FUNCTION notified_changed() RETURNS trigger AS $$ "
                + "BEGIN PERFORM pg_notify('notified_changes', NEW.id::text); RETURN NEW; END $$ LANGUAGE plpgsql");
        pg.execute("DROP TRIGGER IF EXISTS notified_trg ON notified");
        pg.execute("CREATE TRIGGER notified_trg AFTER INSERT OR UPDATE ON notified "
                + "FOR EACH ROW EXECUTE FUNCTION notified_changed()");
        try (HikariDataSource db = Databases.pool(pg, 3)) {
            JdbcStore<Long, Item> store =
                    JdbcStore.builder(db, "notified", Long.class, Item.class).build();
            store.write(1L, new Item("v1", 1), 1);
            try (TieredCache<Long, Item> cache = TieredCache.builder("notified", Long.class, Item.class)
                    .tier(LocalTier.builder()
                            .expireAfterWrite(Duration.ofHours(1))
                            .build())
                    .store(store)
                    .invalidateOnNotify(db, "notified_changes")
                    .build()) {
                assertThat(cache.get(1L)).isEqualTo(new Item("v1", 1));
                await().pollDelay(Duration.ofMillis(300)).until(() -> true); // LISTEN is in place
                pg.execute("UPDATE notified SET value = '{\"name\":\"v2\",\"revision\":2}', version = 2 WHERE id = 1");
                await().atMost(Duration.ofSeconds(5))
                        .untilAsserted(() -> assertThat(cache.get(1L)).isEqualTo(new Item("v2", 2)));
            }
        }
    }
}
