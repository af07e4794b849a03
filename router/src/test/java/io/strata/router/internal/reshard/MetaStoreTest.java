package io.strata.router.internal.reshard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.replication.ReplicaSetDataSource;
import io.strata.router.FourShards;
import io.strata.router.KeyType;
import io.strata.router.ShardMap;
import io.strata.router.internal.reshard.MetaStore.MapEpoch;
import io.strata.router.internal.reshard.MetaStore.MovingRange;
import io.strata.testkit.PgServer;
import io.strata.testkit.PgShard;
import io.strata.testkit.PgTopology;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The metadata store on real PostgreSQL: idempotent schema, compare-and-set epochs that cannot
 * fork, slot functions equal to {@link ShardMap#slotOf}, the fence and keep-incoming triggers.
 */
@ExtendWith(FourShards.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MetaStoreTest {

    private static final int KEYS = 100_000;

    private PgTopology topology;
    private ReplicaSetDataSource meta;
    private MetaStore store;

    @BeforeAll
    void setUp(PgTopology topology) throws SQLException {
        this.topology = topology;
        meta = FourShards.replicaSet(topology.shard(0));
        store = new MetaStore(meta);
    }

    @AfterAll
    void tearDown() throws SQLException {
        FourShards.onEveryPrimary(topology, "drop schema if exists strata_meta cascade");
        meta.close();
    }

    @BeforeEach
    void fresh() throws SQLException {
        FourShards.onEveryPrimary(topology, "drop schema if exists strata_meta cascade");
        store.installMetadataSchema();
    }

    private PgServer primary() {
        return topology.shard(0).primary();
    }

    @Test
    void schemaInstallIsIdempotentAndConcurrentInstallsAgree() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                fs.add(pool.submit(() -> {
                    store.installMetadataSchema();
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        for (PgShard s : topology.shards()) {
            try (ReplicaSetDataSource ds = FourShards.replicaSet(s)) {
                MetaStore.installShardSchema(ds);
                MetaStore.installShardSchema(ds);
            }
            try (Connection c = s.primary().connect()) {
                MetaStore.installShardSchema(c);
                assertThat(c.getAutoCommit()).isTrue();
            }
        }
        assertThat(primary().queryLong("select count(*) from pg_tables where schemaname = 'strata_meta'"))
                .isEqualTo(3);
        assertThat(topology.shard(3)
                        .primary()
                        .queryLong("select count(*) from pg_proc p join pg_namespace n on n.oid = p.pronamespace"
                                + " where nspname = 'strata_meta' and proname in ('slot_bigint', 'slot_text',"
                                + " 'slot_uuid', 'fence', 'keep_incoming')"))
                .isEqualTo(5);
    }

    @Test
    void readOfAnEmptyStoreIsNullAndEpochsRoundTrip() throws SQLException {
        assertThat(store.read()).isNull();
        ShardMap map = ShardMap.of(List.of("shard0", "shard1", "shard2"), spread(4096, 2));
        assertThat(store.compareAndSet(0, MapEpoch.of(1, map))).isTrue();
        MapEpoch one = store.read();
        assertThat(one).isNotNull();
        assertThat(one.epoch()).isEqualTo(1);
        assertThat(one.map()).isEqualTo(map);
        assertThat(one.map().owningShards()).containsExactly("shard0", "shard1");
        assertThat(one.moving()).isEmpty();
        assertThat(one.switchLsn()).isEmpty();

        MapEpoch moving = new MapEpoch(
                2,
                map,
                List.of(new MovingRange(0, 511, "shard0", "shard2"), new MovingRange(2048, 2100, "shard1", "shard2")),
                Map.of("shard2", "0/3000060"));
        assertThat(store.compareAndSet(1, moving)).isTrue();
        MapEpoch two = store.read();
        assertThat(two).isEqualTo(moving);
        assertThat(two.isMoving(511)).isTrue();
        assertThat(two.isMoving(512)).isFalse();
        assertThat(store.compareAndSet(1, moving)).as("a stale expected epoch").isFalse();
        try (Connection c = meta.getConnection()) {
            c.setAutoCommit(false);
            assertThat(MetaStore.read(c, 1)).isEqualTo(one);
            c.commit();
        }
    }

    /** Every writer reads the current epoch and tries to advance it; no two succeed from one epoch. */
    @Test
    void compareAndSetCannotForkUnderConcurrentWriters() throws Exception {
        ShardMap map = ShardMap.uniform(List.of("shard0", "shard1"));
        assertThat(store.compareAndSet(0, MapEpoch.of(1, map))).isTrue();
        int writers = 6;
        int attemptsEach = 15;
        ConcurrentLinkedQueue<long[]> wins = new ConcurrentLinkedQueue<>();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int id = w;
                fs.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < attemptsEach; i++) {
                        MapEpoch cur = store.read();
                        // each writer marks its map: the owner of slot 0 and the writer id in the LSN map
                        MapEpoch next = new MapEpoch(cur.epoch() + 1, map, List.of(), Map.of("w", id + "/" + i));
                        if (store.compareAndSet(cur.epoch(), next)) {
                            wins.add(new long[] {cur.epoch(), id, i});
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : fs) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(noFork(wins)).isTrue();
        long last = store.read().epoch();
        assertThat(last).isEqualTo(1 + wins.size());
        // each win is exactly the row at expected + 1
        for (long[] w : wins) {
            try (Connection c = meta.getConnection()) {
                c.setAutoCommit(false);
                assertThat(MetaStore.read(c, w[0] + 1).switchLsn()).containsEntry("w", w[1] + "/" + w[2]);
                c.commit();
            }
        }
    }

    /**
     * The checker above detects a fork: a blind writer that skips the epoch check (weakened CAS)
     * lets two members advance from the same epoch, one silently overwriting the other's map.
     */
    @Test
    void forkCheckerFailsOnAWeakenedCompareAndSet() throws SQLException {
        ShardMap map = ShardMap.uniform(List.of("shard0", "shard1"));
        assertThat(store.compareAndSet(0, MapEpoch.of(1, map))).isTrue();
        MapEpoch seenByA = store.read();
        MapEpoch seenByB = store.read();
        ConcurrentLinkedQueue<long[]> weakWins = new ConcurrentLinkedQueue<>();
        if (blindAdvance(map)) {
            weakWins.add(new long[] {seenByA.epoch(), 0, 0});
        }
        if (blindAdvance(map)) {
            weakWins.add(new long[] {seenByB.epoch(), 1, 0});
        }
        assertThat(noFork(weakWins)).as("weakened CAS is detected").isFalse();

        ConcurrentLinkedQueue<long[]> wins = new ConcurrentLinkedQueue<>();
        MapEpoch a = store.read();
        MapEpoch b = store.read();
        if (store.compareAndSet(a.epoch(), a)) {
            wins.add(new long[] {a.epoch(), 0, 0});
        }
        if (store.compareAndSet(b.epoch(), b)) {
            wins.add(new long[] {b.epoch(), 1, 0});
        }
        assertThat(wins).hasSize(1);
        assertThat(noFork(wins)).isTrue();
    }

    /** Inserts max(epoch) + 1 without comparing: what compareAndSet must not be. */
    private boolean blindAdvance(ShardMap map) throws SQLException {
        try (Connection c = meta.getConnection()) {
            c.setAutoCommit(false);
            MapEpoch cur = MetaStore.read(c, -1);
            boolean ok = MetaStore.compareAndSet(c, cur.epoch(), MapEpoch.of(1, map));
            c.commit();
            return ok;
        }
    }

    private static boolean noFork(ConcurrentLinkedQueue<long[]> wins) {
        return wins.stream().map(w -> w[0]).distinct().count() == wins.size();
    }

    @Test
    void slotFunctionsEqualShardMapForBigints() throws SQLException {
        Random r = new Random(13);
        Long[] keys = new Long[KEYS];
        for (int i = 0; i < KEYS; i++) {
            keys[i] = switch (i % 5) {
                case 0 -> (long) i;
                case 1 -> (long) -i;
                case 2 -> r.nextLong();
                case 3 -> (long) r.nextInt();
                default -> Long.MIN_VALUE + i;
            };
        }
        keys[0] = Long.MAX_VALUE;
        keys[1] = Long.MIN_VALUE;
        keys[2] = -1L;
        assertSlotsEqual("bigint", "slot_bigint", keys, KeyType.LONG);
    }

    @Test
    void slotFunctionsEqualShardMapForText() throws SQLException {
        Random r = new Random(17);
        String[] keys = new String[KEYS];
        String alphabet = "aZ09 -_é߷中文字😀\u00ff\u0100\u07ff\u0800\uffef";
        for (int i = 0; i < KEYS; i++) {
            int len = r.nextInt(24);
            StringBuilder sb = new StringBuilder();
            for (int j = 0; j < len; j++) {
                sb.appendCodePoint(alphabet.codePointAt(
                        alphabet.offsetByCodePoints(0, r.nextInt(alphabet.codePointCount(0, alphabet.length())))));
            }
            keys[i] = i % 7 == 0 ? "customer-" + i : sb.toString();
        }
        keys[0] = "";
        keys[1] = "😀";
        keys[2] = " leading and trailing ";
        assertSlotsEqual("text", "slot_text", keys, KeyType.TEXT);
    }

    @Test
    void slotFunctionsEqualShardMapForUuids() throws SQLException {
        Random r = new Random(19);
        UUID[] keys = new UUID[KEYS];
        for (int i = 0; i < KEYS; i++) {
            keys[i] = i % 2 == 0 ? UUID.randomUUID() : new UUID(r.nextLong(), r.nextLong());
        }
        keys[0] = new UUID(0, 0);
        keys[1] = new UUID(-1, -1);
        assertSlotsEqual("uuid", "slot_uuid", keys, KeyType.UUID);
    }

    private void assertSlotsEqual(String pgType, String function, Object[] keys, KeyType type) throws SQLException {
        for (int slots : new int[] {ShardMap.DEFAULT_SLOTS, 1000}) {
            ShardMap map = ShardMap.uniform(List.of("a"), slots);
            int[] db = new int[keys.length];
            try (Connection c = primary().connect();
                    PreparedStatement ps = c.prepareStatement("select strata_meta." + function
                            + "(k, ?) from unnest(?::" + pgType + "[]) with ordinality u(k, n) order by n")) {
                Array arr = c.createArrayOf(pgType, keys);
                ps.setInt(1, slots);
                ps.setArray(2, arr);
                try (ResultSet rs = ps.executeQuery()) {
                    int i = 0;
                    while (rs.next()) {
                        db[i++] = rs.getInt(1);
                    }
                    assertThat(i).isEqualTo(keys.length);
                }
            }
            int mismatches = 0;
            Object firstBad = null;
            for (int i = 0; i < keys.length; i++) {
                if (db[i] != map.slotOf(keys[i], type)) {
                    mismatches++;
                    if (firstBad == null) {
                        firstBad = keys[i];
                    }
                }
            }
            assertThat(mismatches)
                    .as("keys whose slot differs, first: %s", firstBad)
                    .isZero();
        }
        // the one-argument form uses the default 4096 slots
        try (Connection c = primary().connect();
                PreparedStatement ps = c.prepareStatement("select strata_meta." + function + "(?::" + pgType + ")")) {
            ps.setObject(1, keys[3] instanceof UUID ? keys[3] : keys[3].toString());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertThat(rs.getInt(1))
                        .isEqualTo(ShardMap.uniform(List.of("a")).slotOf(keys[3], type));
            }
        }
    }

    @Test
    void fenceRefusesWritesToFencedSlotsWithSr020UnlessTheMoverCleansUp() throws SQLException {
        PgServer p = primary();
        int slots = 4096;
        try (Connection c = p.connect();
                Statement st = c.createStatement()) {
            st.execute("create table ms_orders (customer_id bigint, id bigint primary key, note text)");
            try {
                st.execute(MetaStore.fenceTriggerDdl("ms_orders", "customer_id", "LONG", slots));
                st.execute(MetaStore.fenceTriggerDdl("public.ms_orders", "customer_id", "LONG", slots));
                int fenced = ShardMap.uniform(List.of("a")).slotOf(42L, KeyType.LONG);
                st.execute("insert into ms_orders values (42, 1, 'before')");
                st.execute("insert into strata_meta.slot_fence values ('ms_orders', " + fenced + ", " + fenced
                        + ", 'fenced', 7)");
                assertThatThrownBy(() -> st.execute("insert into ms_orders values (42, 2, 'x')"))
                        .isInstanceOfSatisfying(
                                SQLException.class,
                                e -> assertThat(e.getSQLState()).isEqualTo("SR020"))
                        .hasMessageContaining("slot " + fenced)
                        .hasMessageContaining("epoch 7");
                assertThatThrownBy(() -> st.execute("update ms_orders set note = 'y' where id = 1"))
                        .isInstanceOfSatisfying(
                                SQLException.class,
                                e -> assertThat(e.getSQLState()).isEqualTo("SR020"));
                assertThatThrownBy(() -> st.execute("delete from ms_orders where id = 1"))
                        .isInstanceOfSatisfying(
                                SQLException.class,
                                e -> assertThat(e.getSQLState()).isEqualTo("SR020"));
                // moving a row INTO a fenced slot by update is refused too (NEW checked as well as OLD)
                st.execute("insert into ms_orders values (43, 3, 'other slot')");
                assertThatThrownBy(() -> st.execute("update ms_orders set customer_id = 42 where id = 3"))
                        .isInstanceOfSatisfying(
                                SQLException.class,
                                e -> assertThat(e.getSQLState()).isEqualTo("SR020"));
                // other slots are untouched
                st.execute("insert into ms_orders values (43, 4, 'fine')");
                // the mover's clean-up passes
                c.setAutoCommit(false);
                st.execute("set local strata.mover = 'on'");
                st.execute("delete from ms_orders where customer_id = 42");
                c.commit();
                c.setAutoCommit(true);
                assertThat(p.queryLong("select count(*) from ms_orders where customer_id = 42"))
                        .isZero();
                // a '*' row fences every sharded table
                st.execute("delete from strata_meta.slot_fence");
                st.execute("insert into strata_meta.slot_fence values ('*', 0, 4095, 'disowned', 8)");
                assertThatThrownBy(() -> st.execute("insert into ms_orders values (1, 9, 'x')"))
                        .isInstanceOfSatisfying(
                                SQLException.class,
                                e -> assertThat(e.getSQLState()).isEqualTo("SR020"))
                        .hasMessageContaining("disowned");
            } finally {
                st.execute("delete from strata_meta.slot_fence");
                st.execute("drop table ms_orders");
            }
        }
    }

    @Test
    void fenceOnABroadcastTableRefusesEveryWriteWhileFenced() throws SQLException {
        try (Connection c = primary().connect();
                Statement st = c.createStatement()) {
            st.execute("create table ms_countries (code text primary key)");
            try {
                st.execute(MetaStore.fenceTriggerDdl("ms_countries", null, "TEXT", 4096));
                st.execute("insert into ms_countries values ('fr')");
                st.execute("insert into strata_meta.slot_fence values ('*', 0, 4095, 'fenced', 3)");
                st.execute("insert into ms_countries values ('de')"); // '*' does not cover broadcast tables
                st.execute("insert into strata_meta.slot_fence values ('ms_countries', 0, 4095, 'fenced', 3)");
                assertThatThrownBy(() -> st.execute("insert into ms_countries values ('it')"))
                        .isInstanceOfSatisfying(
                                SQLException.class,
                                e -> assertThat(e.getSQLState()).isEqualTo("SR020"))
                        .hasMessageContaining("broadcast");
            } finally {
                st.execute("delete from strata_meta.slot_fence");
                st.execute("drop table ms_countries");
            }
        }
    }

    @Test
    void keepIncomingDropsReplicatedRowsOutsideTheIncomingSlotsOnly() throws SQLException {
        ShardMap one = ShardMap.uniform(List.of("a"));
        long in = 1;
        long out = 2;
        while (one.slotOf(out, KeyType.LONG) == one.slotOf(in, KeyType.LONG)) {
            out++;
        }
        int inSlot = one.slotOf(in, KeyType.LONG);
        try (Connection c = primary().connect();
                Statement st = c.createStatement()) {
            st.execute("create table ms_items (k bigint primary key, note text)");
            try {
                st.execute(MetaStore.keepIncomingTriggerDdl("ms_items", "k", "LONG", 4096));
                st.execute("insert into strata_meta.slot_fence values ('ms_items', " + inSlot + ", " + inSlot
                        + ", 'incoming', 5)");
                // the application's own writes are never dropped
                st.execute("insert into ms_items values (" + out + ", 'own row')");
                // as the apply worker (replica role): only incoming slots are kept
                st.execute("set session_replication_role = replica");
                st.execute("insert into ms_items values (" + in + ", 'copied'), (" + (out + 100_000) + ", 'x')");
                st.execute("update ms_items set note = 'replicated update' where k = " + out);
                st.execute("delete from ms_items where k = " + out);
                st.execute("update ms_items set note = 'copied 2' where k = " + in);
                st.execute("set session_replication_role = origin");
                assertThat(primary()
                                .queryLong("select count(*) from ms_items where k = " + in + " and note = 'copied 2'"))
                        .isEqualTo(1);
                assertThat(primary()
                                .queryLong("select count(*) from ms_items where k = " + out + " and note = 'own row'"))
                        .as("a replicated change to a row the target owns is dropped")
                        .isEqualTo(1);
                long foreign = one.slotOf(out + 100_000, KeyType.LONG) == inSlot ? 1 : 0;
                assertThat(primary().queryLong("select count(*) from ms_items where k = " + (out + 100_000)))
                        .isEqualTo(foreign);
            } finally {
                st.execute("set session_replication_role = origin");
                st.execute("delete from strata_meta.slot_fence");
                st.execute("drop table ms_items");
            }
        }
    }

    private static int[] spread(int slots, int owners) {
        int[] out = new int[slots];
        for (int s = 0; s < slots; s++) {
            out[s] = (int) ((long) s * owners / slots);
        }
        return out;
    }
}
