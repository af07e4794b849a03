package io.strata.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.strata.replication.Consistency;
import io.strata.replication.ConsistencyToken;
import io.strata.testkit.PgServer;
import io.strata.testkit.PgShard;
import io.strata.testkit.PgTopology;
import java.math.BigDecimal;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Calendar;
import java.util.List;
import java.util.TimeZone;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** The JDBC surface applications use, through the router, on 4 shards with replicas. */
@ExtendWith(FourShards.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JdbcSurfaceTest {

    private PgTopology topology;
    private ShardingDataSource router;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @BeforeAll
    void setUp(PgTopology topology) throws SQLException {
        this.topology = topology;
        router = FourShards.router(
                topology,
                b -> b.meterRegistry(registry)
                        .table(TableRule.sharded("s_types", "id", KeyType.LONG))
                        .table(TableRule.sharded("s_items", "user_id", KeyType.LONG))
                        .table(TableRule.sharded("s_docs", "code", KeyType.TEXT)));
        try (Connection c = router.getConnection();
                Statement st = c.createStatement()) {
            st.execute("create table s_types (id bigint primary key, tags text[], at timestamptz, local timestamp,"
                    + " amount numeric(12,3), flag boolean, data bytea, note text, n int)");
            st.execute("create table s_items (id bigserial, user_id bigint not null, title text,"
                    + " primary key (user_id, id))");
            st.execute("create table s_docs (code text primary key, body text)");
        }
    }

    @AfterAll
    void tearDown() throws SQLException {
        try (Connection c = router.getConnection();
                Statement st = c.createStatement()) {
            st.execute("drop table s_types, s_items, s_docs");
        } finally {
            router.close();
        }
    }

    private Connection strong() throws SQLException {
        Connection c = router.getConnection();
        c.unwrap(ShardingConnection.class).setConsistency(Consistency.STRONG);
        return c;
    }

    @Test
    void everySetterRoundTripsIncludingNullsArraysAndZonedTimestamps() throws SQLException {
        OffsetDateTime at = OffsetDateTime.of(2026, 3, 1, 12, 30, 0, 0, ZoneOffset.ofHours(5));
        Calendar tokyo = Calendar.getInstance(TimeZone.getTimeZone("Asia/Tokyo"));
        try (Connection c = strong()) {
            try (PreparedStatement ps = c.prepareStatement("insert into s_types (id, tags, at, local, amount, flag,"
                    + " data, note, n) values (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setLong(1, 101);
                ps.setArray(2, c.createArrayOf("text", new String[] {"a", "b", null}));
                ps.setObject(3, at);
                ps.setTimestamp(4, Timestamp.valueOf(LocalDateTime.of(2026, 3, 1, 8, 0)), tokyo);
                ps.setBigDecimal(5, new BigDecimal("12.345"));
                ps.setBoolean(6, true);
                ps.setBytes(7, new byte[] {1, 2, 3});
                ps.setNull(8, Types.VARCHAR);
                ps.setObject(9, null, Types.INTEGER);
                assertThat(ps.executeUpdate()).isEqualTo(1);
                ps.setInt(1, 102); // an int key: same canonical form as a long
                ps.setObject(2, null, Types.ARRAY);
                ps.setTimestamp(3, null);
                ps.setNull(4, Types.TIMESTAMP);
                ps.setObject(5, "7", Types.NUMERIC);
                ps.setObject(6, false);
                ps.setNull(7, Types.BINARY);
                ps.setString(8, "x");
                ps.setShort(9, (short) 3);
                assertThat(ps.executeUpdate()).isEqualTo(1);
            }
            try (PreparedStatement ps = c.prepareStatement("select * from s_types where id = ?")) {
                ps.setLong(1, 101);
                try (ResultSet rs = ps.executeQuery()) {
                    assertThat(rs.next()).isTrue();
                    Array tags = rs.getArray("tags");
                    assertThat((Object[]) tags.getArray()).containsExactly("a", "b", null);
                    assertThat(rs.getObject("at", OffsetDateTime.class).toInstant())
                            .isEqualTo(at.toInstant());
                    assertThat(rs.getTimestamp("local", tokyo))
                            .isEqualTo(Timestamp.valueOf(LocalDateTime.of(2026, 3, 1, 8, 0)));
                    assertThat(rs.getBigDecimal("amount")).isEqualByComparingTo("12.345");
                    assertThat(rs.getBytes("data")).containsExactly(1, 2, 3);
                    assertThat(rs.getString("note")).isNull();
                    assertThat(rs.wasNull()).isTrue();
                    rs.getInt("n");
                    assertThat(rs.wasNull()).isTrue();
                }
            }
            try (Statement st = c.createStatement();
                    ResultSet rs =
                            st.executeQuery("select id, tags, amount, flag from s_types where id < 1000 order by id")) {
                MergedResultSet merged = rs.unwrap(MergedResultSet.class);
                assertThat(merged.shards()).hasSize(4);
                assertThat(rs.getMetaData().getColumnCount()).isEqualTo(4);
                assertThat(rs.next()).isTrue();
                assertThat(rs.getLong(1)).isEqualTo(101);
                assertThat(rs.next()).isTrue();
                assertThat(rs.getLong("id")).isEqualTo(102);
                assertThat(rs.getArray(2)).isNull();
                assertThat(rs.wasNull()).isTrue();
                assertThat(rs.getBigDecimal("amount")).isEqualByComparingTo("7");
                assertThat(rs.getBoolean(4))
                        .as("flag %s of row %s", rs.getString(4), rs.getString(1))
                        .isFalse();
                assertThat(rs.next()).isFalse();
            }
        }
    }

    @Test
    void generatedKeysComeBackFromEveryShardAMultiRowInsertReached() throws SQLException {
        try (Connection c = strong();
                PreparedStatement ps = c.prepareStatement(
                        "insert into s_items (user_id, title) values (?, ?), (?, ?)," + " (?, ?), (?, ?)",
                        Statement.RETURN_GENERATED_KEYS)) {
            for (int i = 0; i < 4; i++) {
                ps.setLong(2 * i + 1, 1000 + i);
                ps.setString(2 * i + 2, "t" + i);
            }
            assertThat(ps.executeUpdate()).isEqualTo(4);
            List<Long> users = new ArrayList<>();
            try (ResultSet keys = ps.getGeneratedKeys()) {
                while (keys.next()) {
                    users.add(keys.getLong("user_id"));
                    assertThat(keys.getLong("id")).isPositive();
                }
            }
            assertThat(users).containsExactlyInAnyOrder(1000L, 1001L, 1002L, 1003L);
            try (PreparedStatement returning = c.prepareStatement(
                    "insert into s_items (user_id, title) values" + " (?, 'r1'), (?, 'r2') returning user_id, title")) {
                returning.setLong(1, 2000);
                returning.setLong(2, 2001);
                List<String> titles = new ArrayList<>();
                try (ResultSet rs = returning.executeQuery()) {
                    while (rs.next()) {
                        titles.add(rs.getLong(1) + ":" + rs.getString("title"));
                    }
                }
                assertThat(titles).containsExactlyInAnyOrder("2000:r1", "2001:r2");
            }
        }
    }

    @Test
    void textKeysRouteByTheirUtf8Bytes() throws SQLException {
        try (Connection c = strong();
                PreparedStatement ps = c.prepareStatement("insert into s_docs (code, body) values (?, ?)")) {
            for (String code : List.of("alpha", "béta", "gamma", "δέλτα")) {
                ps.setString(1, code);
                ps.setString(2, "body of " + code);
                ps.addBatch();
            }
            ps.executeBatch();
        }
        ShardMap map = router.shardMap();
        for (String code : List.of("alpha", "béta", "gamma", "δέλτα")) {
            PgServer owner =
                    topology.shard(map.shardIndexOf(code, KeyType.TEXT)).primary();
            assertThat(owner.queryLong("select count(*) from s_docs where code = '" + code + "'"))
                    .isEqualTo(1);
        }
    }

    @Test
    void hintsRouteWhatSqlCannotSay() throws SQLException {
        PgShard shard2 = topology.shard(2);
        try (Connection c = router.getConnection();
                Statement st = c.createStatement()) {
            // The parser cannot read a DO block; a hint routes it.
            assertThatThrownBy(() -> st.execute("DO $$ BEGIN PERFORM 1; END $$"))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("ShardHint");
            try (ShardHint hint = ShardHint.shard("shard2")) {
                st.execute("DO $$ BEGIN CREATE TABLE s_hinted (x int); END $$");
            }
            assertThat(shard2.primary().queryLong("select count(*) from pg_tables where tablename = 's_hinted'"))
                    .isEqualTo(1);
            assertThat(topology.shard(0)
                            .primary()
                            .queryLong("select count(*) from pg_tables where tablename = 's_hinted'"))
                    .isZero();
            try (ShardHint hint = ShardHint.shard("shard2")) {
                st.execute("DO $$ BEGIN DROP TABLE s_hinted; END $$");
            }
            // A comment hint sends a keyless read to one shard, and its consistency to the primary.
            try (ResultSet rs =
                    st.executeQuery("/* strata: shard=shard1 consistency=strong */" + " select inet_server_port()")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(topology.shard(1).primary().port());
            }
        }
    }

    @Test
    void theTokenSpansShardsAndReadYourWritesHoldsWhileAReplicaLags() throws Exception {
        ShardMap map = router.shardMap();
        long a = 5001;
        long b = 5002;
        while (map.shardIndexOf(b, KeyType.LONG) == map.shardIndexOf(a, KeyType.LONG)) {
            b++;
        }
        PgShard shardA = topology.shard(map.shardIndexOf(a, KeyType.LONG));
        PgShard shardB = topology.shard(map.shardIndexOf(b, KeyType.LONG));
        ConsistencyToken token;
        shardA.replica(0).pauseReplay();
        shardB.replica(0).pauseReplay();
        try {
            try (Connection c = router.getConnection()) {
                c.setAutoCommit(false);
                try (PreparedStatement ps = c.prepareStatement("insert into s_types (id, note) values (?, 'ryw')")) {
                    ps.setLong(1, a);
                    ps.executeUpdate();
                    ps.setLong(1, b);
                    ps.executeUpdate();
                }
                c.commit();
                token = c.unwrap(ShardingConnection.class).token();
            }
            assertThat(token.entries()).containsKeys(shardA.name(), shardB.name());
            ConsistencyToken carried = ConsistencyToken.parse(token.toString()); // e.g. through an HTTP header
            try (Connection other = router.getConnection()) {
                ShardingConnection sc = other.unwrap(ShardingConnection.class);
                sc.setConsistency(Consistency.READ_YOUR_WRITES);
                sc.requireToken(carried);
                try (Statement st = other.createStatement();
                        ResultSet rs = st.executeQuery("select count(*) from s_types where note = 'ryw'")) {
                    rs.next();
                    assertThat(rs.getLong(1)).isEqualTo(2);
                }
            }
        } finally {
            shardA.replica(0).resumeReplay();
            shardB.replica(0).resumeReplay();
        }
    }

    @Test
    void metricsCountStatementsByRouteKindAndShardAndPlanCacheHits() throws SQLException {
        double before = registry.find("strata.router.statements").tag("kind", "scatter").counters().stream()
                .mapToDouble(cn -> cn.count())
                .sum();
        try (Connection c = strong();
                Statement st = c.createStatement()) {
            for (int i = 0; i < 2; i++) {
                try (ResultSet rs = st.executeQuery("select count(*) from s_items")) {
                    rs.next();
                }
            }
        }
        double after = registry.find("strata.router.statements").tag("kind", "scatter").counters().stream()
                .mapToDouble(cn -> cn.count())
                .sum();
        assertThat(after - before).isEqualTo(8);
        assertThat(registry.get("cache.gets")
                        .tag("cache", "strata.router.plans")
                        .tag("result", "hit")
                        .functionCounter()
                        .count())
                .isPositive();
        assertThat(registry.get("strata.router.plan.cache.hit.ratio").gauge().value())
                .isBetween(0.01, 1.0);
    }

    @Test
    void cancelStopsARunningStatementFromAnotherThread() throws Exception {
        try (Connection c = router.getConnection();
                Statement st = c.createStatement()) {
            java.util.concurrent.CompletableFuture<Throwable> running =
                    java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                        try {
                            st.executeQuery("select pg_sleep(20)");
                            return null;
                        } catch (Throwable e) {
                            return e;
                        }
                    });
            org.awaitility.Awaitility.await()
                    .atMost(java.time.Duration.ofSeconds(10))
                    .untilAsserted(() -> {
                        st.cancel();
                        assertThat(running).isDone();
                    });
            assertThat(running.get())
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("57014"));
        }
    }

    @Test
    void aScatteredReadStreamsWithAFetchSizeInsideATransaction() throws SQLException {
        try (Connection c = strong()) {
            try (PreparedStatement ps = c.prepareStatement("insert into s_items (user_id, title) values (?, ?)")) {
                for (int i = 0; i < 400; i++) {
                    ps.setLong(1, 10_000 + i);
                    ps.setString(2, "stream" + i);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.setFetchSize(16);
                try (ResultSet rs = st.executeQuery(
                        "select user_id from s_items where title like 'stream%'" + " order by user_id desc")) {
                    assertThat(rs.getFetchSize()).isEqualTo(16);
                    long previous = Long.MAX_VALUE;
                    int n = 0;
                    while (rs.next()) {
                        long id = rs.getLong(1);
                        assertThat(id).isLessThan(previous);
                        previous = id;
                        n++;
                    }
                    assertThat(n).isEqualTo(400);
                }
            }
            c.commit();
        }
    }

    @Test
    void readOnlyTimeoutsAndMetadataBehaveLikeJdbc() throws SQLException {
        try (Connection c = router.getConnection()) {
            assertThat(c.getMetaData().getDatabaseProductName()).isEqualTo("PostgreSQL");
            try (PreparedStatement ps = c.prepareStatement("select id, note from s_types order by n limit ?")) {
                assertThat(ps.getMetaData().getColumnCount()).isEqualTo(2); // the hidden sort column is not shown
                assertThat(ps.getMetaData().getColumnLabel(2)).isEqualTo("note");
            }
            assertThat(c.isWrapperFor(ShardingConnection.class)).isTrue();
            c.setReadOnly(true);
            // As pgjdbc (readOnlyMode=transaction): read-only binds transactions, not auto-commit statements.
            try (Statement st = c.createStatement()) {
                assertThat(st.executeUpdate("insert into s_types (id) values (9)"))
                        .isEqualTo(1);
                assertThat(st.executeUpdate("delete from s_types where id = 9")).isEqualTo(1);
            }
            c.setAutoCommit(false);
            assertThatThrownBy(() -> c.createStatement().executeUpdate("insert into s_types (id) values (9)"))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("read-only")
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("25006"));
            c.rollback();
            c.setAutoCommit(true);
            c.setReadOnly(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            assertThat(c.getTransactionIsolation()).isEqualTo(Connection.TRANSACTION_REPEATABLE_READ);
            try (Statement st = c.createStatement()) {
                st.setQueryTimeout(1);
                assertThatThrownBy(() -> st.executeQuery("select pg_sleep(10)"))
                        .isInstanceOf(SQLException.class)
                        .satisfies(e -> assertThat(((SQLException) e).getSQLState())
                                .as(e.toString())
                                .isEqualTo("57014"));
            }
        }
    }
}
