package io.strata.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import io.strata.testkit.PgServer;
import io.strata.testkit.PgTopology;
import io.strata.testkit.WithPgTopology;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, defect 1: the last members' shutdown dropped the write-behind queue when the store was
 * down (24,000 queued, PostgreSQL stopped, every cache closed and Hazelcast shut down, PostgreSQL
 * started: 791 rows). Now a close that cannot drain spills to the journal, or says how many
 * acknowledged entries it leaves at risk.
 */
@WithPgTopology(shards = 1, replicasPerShard = 0)
class WriteBehindLastShutdownTest {

    private static HikariDataSource db;
    private static PgServer pg;
    private final List<HazelcastMembers> clusters = new ArrayList<>();

    @TempDir
    Path journal;

    @BeforeAll
    static void start(PgTopology topology) {
        pg = topology.shard(0).primary();
        db = Databases.pool(pg, 6);
    }

    @AfterAll
    static void stop() {
        db.close();
    }

    @AfterEach
    void stopMembers() {
        if (!pg.isRunning()) {
            pg.start();
        }
        clusters.forEach(HazelcastMembers::close);
    }

    private HazelcastMembers members(int n) {
        HazelcastMembers m = HazelcastMembers.start(n);
        clusters.add(m);
        return m;
    }

    private static TieredCache<Long, Item> cache(
            String table, HazelcastMembers members, int member, WriteStrategy strategy) {
        return TieredCache.builder(table, Long.class, Item.class)
                .tier(LocalTier.builder().maximumSize(30_000).build())
                .coordination(HazelcastCoordination.of(members.member(member)))
                .store(JdbcStore.builder(db, table, Long.class, Item.class).build())
                .writeStrategy(strategy)
                .build();
    }

    private static Map<Long, Item> rows(String table) throws Exception {
        Map<Long, Item> rows = new HashMap<>();
        try (Connection c = db.getConnection();
                Statement st = c.createStatement();
                ResultSet rs =
                        st.executeQuery("SELECT id, value->>'name', (value->>'revision')::bigint FROM " + table)) {
            while (rs.next()) {
                rows.put(rs.getLong(1), new Item(rs.getString(2), rs.getLong(3)));
            }
        }
        return rows;
    }

    @Test
    void lastMembersShutdownWithTheStoreDown_theJournalKeepsAll24000Entries_replayedByTheNextMember() throws Exception {
        String table = "wb_last_journal";
        Databases.table(pg, table);
        WriteStrategy strategy = WriteStrategy.writeBehind()
                .withCloseTimeout(Duration.ofSeconds(2))
                .withJournal(journal);
        HazelcastMembers three = members(3);
        List<TieredCache<Long, Item>> caches = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            caches.add(cache(table, three, i, strategy));
        }
        pg.stop();
        for (long k = 0; k < 24_000; k++) {
            caches.get((int) (k % 3)).put(k, new Item("v" + k, k)); // acknowledged: it returned
        }
        for (TieredCache<Long, Item> c : caches) {
            c.close(); // the store is down: waits 2 s, then spills to the journal
        }
        three.close(); // every member gone, and the queue map with them
        pg.start();
        await().atMost(Duration.ofSeconds(60))
                .ignoreExceptions()
                .until(() -> rows(table).isEmpty());

        HazelcastMembers next = members(1);
        try (TieredCache<Long, Item> restarted = cache(table, next, 0, strategy)) {
            Map<Long, Item> rows = rows(table); // replayed before build() returned
            System.out.printf("scenario 1 (journal): %d of 24000 rows after the restart%n", rows.size());
            assertThat(rows).hasSize(24_000);
            for (long k = 0; k < 24_000; k++) {
                assertThat(rows.get(k)).as("key %d", k).isEqualTo(new Item("v" + k, k));
            }
            assertThat(restarted.get(7L)).isEqualTo(new Item("v7", 7));
        }
        try (TieredCache<Long, Item> again = cache(table, next, 0, strategy)) {
            assertThat(rows(table)).hasSize(24_000); // the journal was emptied: nothing replayed twice
        }
    }

    @Test
    void lastMembersShutdownWithTheStoreDown_withoutAJournal_closeThrowsWithTheEntriesAtRisk() throws Exception {
        String table = "wb_last_refuse";
        Databases.table(pg, table);
        WriteStrategy strategy = WriteStrategy.writeBehind().withCloseTimeout(Duration.ofSeconds(2));
        HazelcastMembers three = members(3);
        List<TieredCache<Long, Item>> caches = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            caches.add(cache(table, three, i, strategy));
        }
        pg.stop();
        for (long k = 0; k < 3_000; k++) {
            caches.get((int) (k % 3)).put(k, new Item("v" + k, k));
        }
        for (TieredCache<Long, Item> c : caches) {
            assertThatThrownBy(c::close)
                    .isInstanceOfSatisfying(
                            WriteBehindBacklogException.class,
                            e -> assertThat(e.entriesAtRisk()).isEqualTo(3_000))
                    .hasMessageContaining("3000 acknowledged write-behind entries")
                    .hasMessageContaining("withJournal");
            assertThatThrownBy(() -> c.put(1L, new Item("late", 1)))
                    .as("the cache is closed all the same")
                    .isInstanceOf(IllegalStateException.class);
        }
        // the refusal is the caller's cue: with the store back and the members still up, the queue drains
        pg.start();
        List<TieredCache<Long, Item>> reopened = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            reopened.add(cache(table, three, i, strategy));
        }
        await().atMost(Duration.ofSeconds(60))
                .ignoreExceptions()
                .until(() -> rows(table).size() == 3_000);
        reopened.forEach(TieredCache::close);
    }

    @Test
    void journalReplayedWhileTheStoreIsStillDown_goesBackIntoTheQueue_andDrainsWhenTheStoreReturns() throws Exception {
        String table = "wb_last_storedown";
        Databases.table(pg, table);
        PausableStore<Long, Item> store = new PausableStore<>(
                JdbcStore.builder(db, table, Long.class, Item.class).build());
        WriteStrategy strategy = WriteStrategy.writeBehind()
                .withCloseTimeout(Duration.ofSeconds(1))
                .withBackoff(Duration.ofMillis(50), Duration.ofMillis(500))
                .withJournal(journal);
        store.pause();
        HazelcastMembers one = members(1);
        TieredCache<Long, Item> first = TieredCache.builder(table, Long.class, Item.class)
                .tier(LocalTier.builder().build())
                .coordination(HazelcastCoordination.of(one.member(0)))
                .store(store)
                .writeStrategy(strategy)
                .build();
        for (long k = 0; k < 2_000; k++) {
            first.put(k, new Item("v" + k, k));
        }
        first.close(); // spilled
        one.close();

        HazelcastMembers next = members(1);
        try (TieredCache<Long, Item> restarted = TieredCache.builder(table, Long.class, Item.class)
                .tier(LocalTier.builder().build())
                .coordination(HazelcastCoordination.of(next.member(0)))
                .store(store)
                .writeStrategy(strategy)
                .build()) {
            // the store is still down: the journal went back into the queue, where reads see it
            assertThat(restarted.get(42L)).isEqualTo(new Item("v42", 42));
            assertThat(next.member(0).getMap("strata-wb." + table).size()).isEqualTo(2_000);
            store.resume();
            await().atMost(Duration.ofSeconds(60)).until(() -> rows(table).size() == 2_000);
            assertThat(rows(table)).containsEntry(1_999L, new Item("v1999", 1_999));
        }
    }
}
