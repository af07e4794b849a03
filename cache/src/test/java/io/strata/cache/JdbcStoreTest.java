package io.strata.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import io.strata.testkit.PgServer;
import io.strata.testkit.PgTopology;
import io.strata.testkit.WithPgTopology;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

@WithPgTopology(shards = 1, replicasPerShard = 0)
class JdbcStoreTest {

    private static HikariDataSource db;
    private static PgServer pg;

    @BeforeAll
    static void start(PgTopology topology) {
        pg = topology.shard(0).primary();
        db = Databases.pool(pg, 2);
    }

    @AfterAll
    static void stop() {
        db.close();
    }

    private JdbcStore<Long, Item> store(String table) {
        Databases.table(pg, table);
        return JdbcStore.builder(db, table, Long.class, Item.class).build();
    }

    @Test
    void write_isAVersionedUpsert_anOlderVersionIsIgnored() {
        JdbcStore<Long, Item> store = store("versions");
        store.write(1L, new Item("v5", 5), 5);
        store.write(1L, new Item("v3", 3), 3); // late or replayed
        assertThat(store.load(1L)).isEqualTo(new Item("v5", 5));
        store.write(1L, new Item("v6", 6), 6);
        store.write(1L, new Item("v6", 6), 6); // idempotent replay
        assertThat(store.load(1L)).isEqualTo(new Item("v6", 6));
        assertThat(pg.queryLong("SELECT version FROM versions WHERE id = 1")).isEqualTo(6);
    }

    @Test
    void writeAll_andLoadAll() {
        JdbcStore<Long, Item> store = store("bulk");
        Map<Long, Versioned<Item>> writes = new LinkedHashMap<>();
        for (long k = 0; k < 1200; k++) {
            writes.put(k, new Versioned<>(new Item("b", k), 10));
        }
        store.writeAll(writes);
        store.writeAll(Map.of(7L, new Versioned<>(new Item("old", 0), 9)));
        Map<Long, Item> loaded = store.loadAll(List.of(0L, 7L, 1199L, 5000L));
        assertThat(loaded).containsOnlyKeys(0L, 7L, 1199L);
        assertThat(loaded.get(7L)).isEqualTo(new Item("b", 7));
    }

    @Test
    void delete_andMissingRows() {
        JdbcStore<Long, Item> store = store("del");
        store.write(1L, new Item("x", 1), 1);
        store.delete(1L);
        assertThat(store.load(1L)).isNull();
    }

    @Test
    void binaryValues_inABytea() {
        pg.execute("CREATE TABLE IF NOT EXISTS bin (k text PRIMARY KEY, v bytea, ver bigint)");
        JdbcStore<String, Item> store = JdbcStore.builder(db, "bin", String.class, Item.class)
                .keyColumn("k")
                .valueColumn("v")
                .versionColumn("ver")
                .binary()
                .build();
        store.write("a", new Item("x", 1), 1);
        assertThat(store.load("a")).isEqualTo(new Item("x", 1));
    }

    @Test
    void builder_rejectsNonIdentifiers() {
        assertThatThrownBy(() -> JdbcStore.builder(db, "t; drop table x", Long.class, Item.class))
                .hasMessageContaining("table");
        assertThatThrownBy(
                        () -> JdbcStore.builder(db, "t", Long.class, Item.class).keyColumn("a b"))
                .hasMessageContaining("keyColumn");
    }
}
