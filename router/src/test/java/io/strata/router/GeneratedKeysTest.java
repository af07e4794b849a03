package io.strata.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.replication.Consistency;
import io.strata.testkit.PgTopology;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 10, defects 4, 5 and 7: generated keys and RETURNING rows of statements and batches that
 * reach several shards come back in the statement's row order / the batch's entry order, each
 * checked against the row the owning shard's primary holds; DatabaseMetaData leads back to the
 * logical connection.
 */
@ExtendWith(FourShards.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GeneratedKeysTest {

    private PgTopology topology;
    private ShardingDataSource router;

    @BeforeAll
    void setUp(PgTopology topology) throws SQLException {
        this.topology = topology;
        router = FourShards.router(topology, b -> b.table(TableRule.sharded("k_items", "user_id", KeyType.LONG)));
        try (Connection c = router.getConnection();
                Statement st = c.createStatement()) {
            st.execute("create table k_items (id bigserial, user_id bigint not null, title text,"
                    + " primary key (user_id, id))");
        }
    }

    @AfterAll
    void tearDown() throws SQLException {
        try (Connection c = router.getConnection();
                Statement st = c.createStatement()) {
            st.execute("drop table k_items");
        } finally {
            router.close();
        }
    }

    private Connection strong() throws SQLException {
        Connection c = router.getConnection();
        c.unwrap(ShardingConnection.class).setConsistency(Consistency.STRONG);
        return c;
    }

    /** The title the owning shard's primary holds for (user_id, id). */
    private String onPrimary(long userId, long id) throws SQLException {
        int shard = router.shardMap().shardIndexOf(userId, KeyType.LONG);
        try (Connection c = topology.shards().get(shard).primary().connect();
                PreparedStatement ps = c.prepareStatement("select title from k_items where user_id = ? and id = ?")) {
            ps.setLong(1, userId);
            ps.setLong(2, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private static String values(int rows) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < rows; i++) {
            sb.append(i == 0 ? "" : ", ").append("(?, ?)");
        }
        return sb.toString();
    }

    /** User {@code base + i}; consecutive ids spread over the shards. */
    private static long user(int base, int i) {
        return base + i;
    }

    /** Three users on three different shards. */
    private long[] onThreeShards(long from) throws SQLException {
        long[] out = new long[3];
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        int n = 0;
        for (long u = from; n < 3; u++) {
            if (seen.add(router.shardMap().shardIndexOf(u, KeyType.LONG))) {
                out[n++] = u;
            }
        }
        return out;
    }

    @Test
    void multiRowInsertAcrossShardsReturnsGeneratedKeysInRowOrder() throws SQLException {
        int rows = 16;
        try (Connection c = strong();
                PreparedStatement ps = c.prepareStatement(
                        "insert into k_items (user_id, title) values " + values(rows),
                        Statement.RETURN_GENERATED_KEYS)) {
            for (int i = 0; i < rows; i++) {
                ps.setLong(2 * i + 1, user(100, i));
                ps.setString(2 * i + 2, "a" + i);
            }
            assertThat(ps.executeUpdate()).isEqualTo(rows);
            List<Long> users = new ArrayList<>();
            try (ResultSet keys = ps.getGeneratedKeys()) {
                int i = 0;
                while (keys.next()) {
                    users.add(keys.getLong("user_id"));
                    assertThat(keys.getString("title")).isEqualTo("a" + i);
                    assertThat(onPrimary(keys.getLong("user_id"), keys.getLong("id")))
                            .as("row %d", i)
                            .isEqualTo("a" + i);
                    i++;
                }
            }
            List<Long> expected = new ArrayList<>();
            for (int i = 0; i < rows; i++) {
                expected.add(user(100, i));
            }
            assertThat(users).containsExactlyElementsOf(expected);
            java.util.Set<Integer> shards = new java.util.HashSet<>();
            for (long u : users) {
                shards.add(router.shardMap().shardIndexOf(u, KeyType.LONG));
            }
            assertThat(shards).as("the rows really reach every shard").hasSize(4);
        }
    }

    @Test
    void plainStatementMultiRowInsertAcrossShardsReturnsGeneratedKeysInRowOrder() throws SQLException {
        try (Connection c = strong();
                Statement st = c.createStatement()) {
            StringBuilder sql = new StringBuilder("insert into k_items (user_id, title) values ");
            for (int i = 0; i < 10; i++) {
                sql.append(i == 0 ? "" : ", ")
                        .append("(")
                        .append(user(600, i))
                        .append(", 's")
                        .append(i)
                        .append("')");
            }
            assertThat(st.executeUpdate(sql.toString(), new String[] {"id", "title"}))
                    .isEqualTo(10);
            try (ResultSet keys = st.getGeneratedKeys()) {
                for (int i = 0; i < 10; i++) {
                    assertThat(keys.next()).isTrue();
                    assertThat(keys.getString("title")).isEqualTo("s" + i);
                    assertThat(onPrimary(user(600, i), keys.getLong("id"))).isEqualTo("s" + i);
                }
                assertThat(keys.next()).isFalse();
            }
        }
    }

    @Test
    void multiRowInsertAcrossShardsReturnsReturningRowsInRowOrder() throws SQLException {
        int rows = 12;
        try (Connection c = strong();
                PreparedStatement ps = c.prepareStatement(
                        "insert into k_items (user_id, title) values " + values(rows) + " returning id, title")) {
            for (int i = 0; i < rows; i++) {
                ps.setLong(2 * i + 1, user(200, i));
                ps.setString(2 * i + 2, "b" + i);
            }
            List<String> titles = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    int i = titles.size();
                    titles.add(rs.getString("title"));
                    assertThat(onPrimary(user(200, i), rs.getLong("id"))).isEqualTo("b" + i);
                }
            }
            assertThat(titles)
                    .containsExactly("b0", "b1", "b2", "b3", "b4", "b5", "b6", "b7", "b8", "b9", "b10", "b11");
        }
    }

    @Test
    void getGeneratedKeysAfterExecuteBatchReturnsKeysInBatchOrder() throws SQLException {
        for (int variant = 0; variant < 2; variant++) {
            String sql = "insert into k_items (user_id, title) values (?, ?)";
            try (Connection c = strong();
                    PreparedStatement ps = switch (variant) {
                        case 0 -> c.prepareStatement(sql, Statement.RETURN_GENERATED_KEYS);
                        default -> c.prepareStatement(sql, new String[] {"id", "user_id", "title"});
                    }) {
                int entries = 20;
                for (int i = 0; i < entries; i++) {
                    ps.setLong(1, user(300 + 100 * variant, i % 7));
                    ps.setString(2, "v" + variant + "e" + i);
                    ps.addBatch();
                }
                assertThat(ps.executeBatch()).hasSize(entries).containsOnly(1);
                try (ResultSet keys = ps.getGeneratedKeys()) {
                    for (int i = 0; i < entries; i++) {
                        assertThat(keys.next()).as("entry %d", i).isTrue();
                        long userId = keys.getLong("user_id");
                        assertThat(userId).as("entry %d", i).isEqualTo(user(300 + 100 * variant, i % 7));
                        assertThat(keys.getString("title")).isEqualTo("v" + variant + "e" + i);
                        assertThat(onPrimary(userId, keys.getLong("id"))).isEqualTo("v" + variant + "e" + i);
                    }
                    assertThat(keys.next()).isFalse();
                }
            }
        }
    }

    @Test
    void keyColumnIndexesAreRefusedAsPgjdbcRefusesThem() throws SQLException {
        try (Connection c = strong();
                PreparedStatement ps =
                        c.prepareStatement("insert into k_items (user_id, title) values (?, ?)", new int[] {1})) {
            ps.setLong(1, 1);
            ps.setString(2, "idx");
            ps.addBatch();
            assertThatThrownBy(ps::executeBatch)
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("not supported");
        }
    }

    @Test
    void getGeneratedKeysAfterExecuteBatchOfMultiRowInsertsKeepsEntryAndRowOrder() throws SQLException {
        try (Connection c = strong();
                PreparedStatement ps = c.prepareStatement(
                        "insert into k_items (user_id, title) values " + values(3), new String[] {"id", "title"})) {
            for (int e = 0; e < 5; e++) {
                for (int r = 0; r < 3; r++) {
                    ps.setLong(2 * r + 1, user(700, e * 3 + r));
                    ps.setString(2 * r + 2, "m" + e + "." + r);
                }
                ps.addBatch();
            }
            assertThat(ps.executeBatch()).containsExactly(3, 3, 3, 3, 3);
            try (ResultSet keys = ps.getGeneratedKeys()) {
                for (int e = 0; e < 5; e++) {
                    for (int r = 0; r < 3; r++) {
                        assertThat(keys.next()).isTrue();
                        assertThat(keys.getString("title")).isEqualTo("m" + e + "." + r);
                        assertThat(onPrimary(user(700, e * 3 + r), keys.getLong("id")))
                                .isEqualTo("m" + e + "." + r);
                    }
                }
                assertThat(keys.next()).isFalse();
            }
        }
    }

    @Test
    void getGeneratedKeysAfterExecuteBatchOnOneShard() throws SQLException {
        try (Connection c = strong();
                PreparedStatement ps =
                        c.prepareStatement("insert into k_items (user_id, title) values (?, ?)", new String[] {"id"})) {
            for (int i = 0; i < 3; i++) {
                ps.setLong(1, 900);
                ps.setString(2, "one" + i);
                ps.addBatch();
            }
            ps.executeBatch();
            try (ResultSet keys = ps.getGeneratedKeys()) {
                for (int i = 0; i < 3; i++) {
                    assertThat(keys.next()).isTrue();
                    assertThat(onPrimary(900, keys.getLong(1))).isEqualTo("one" + i);
                }
                assertThat(keys.next()).isFalse();
            }
        }
    }

    @Test
    void keysOfAMultiShardInsertThatSkippedRowsAreRefusedNotMispaired() throws SQLException {
        try (Connection c = strong()) {
            long[] u = onThreeShards(5000);
            try (PreparedStatement ps =
                    c.prepareStatement("insert into k_items (id, user_id, title) values (?, ?, 'dup') returning id")) {
                ps.setLong(1, 5_000_001);
                ps.setLong(2, u[1]);
                ps.executeQuery().close();
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "insert into k_items (id, user_id, title) values (?, ?, 'x'), (?, ?, 'y'), (?, ?, 'z')"
                            + " on conflict do nothing",
                    Statement.RETURN_GENERATED_KEYS)) {
                ps.setLong(1, 5_000_002);
                ps.setLong(2, u[0]);
                ps.setLong(3, 5_000_001);
                ps.setLong(4, u[1]); // conflicts: skipped
                ps.setLong(5, 5_000_003);
                ps.setLong(6, u[2]);
                assertThatThrownBy(ps::executeUpdate)
                        .isInstanceOf(SQLException.class)
                        .satisfies(e ->
                                assertThat(((SQLException) e).getSQLState()).isEqualTo("SR001"));
            }
            // auto-commit: the multi-shard statement was rolled back as a whole
            assertThat(onPrimary(u[0], 5_000_002)).isNull();
            assertThat(onPrimary(u[2], 5_000_003)).isNull();
        }
    }

    /**
     * Regression (found by the ORM differential check: jOOQ's {@code onConflictDoNothing().returning()}
     * over several shards): the RETURNING rows' shortfall was only seen as they were read, after the
     * auto-commit statement had committed, so the application got SR001 and the rows were written.
     */
    @Test
    void aMultiShardInsertReturningThatSkippedRowsIsRefusedAndWritesNothing() throws SQLException {
        try (Connection c = strong()) {
            long[] u = onThreeShards(6000);
            try (PreparedStatement ps =
                    c.prepareStatement("insert into k_items (id, user_id, title) values (?, ?, 'dup') returning id")) {
                ps.setLong(1, 6_000_001);
                ps.setLong(2, u[1]);
                ps.executeQuery().close();
            }
            String sql = "insert into k_items (id, user_id, title) values (?, ?, 'x'), (?, ?, 'y'), (?, ?, 'z')"
                    + " on conflict do nothing returning id, title";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setLong(1, 6_000_002);
                ps.setLong(2, u[0]);
                ps.setLong(3, 6_000_001);
                ps.setLong(4, u[1]); // conflicts: skipped
                ps.setLong(5, 6_000_003);
                ps.setLong(6, u[2]);
                assertThatThrownBy(ps::executeQuery)
                        .isInstanceOf(SQLException.class)
                        .satisfies(e ->
                                assertThat(((SQLException) e).getSQLState()).isEqualTo("SR001"));
            }
            try (Statement st = c.createStatement()) { // the same through a plain statement
                assertThatThrownBy(() -> st.executeQuery("insert into k_items (id, user_id, title) values"
                                + " (6000004, " + u[0] + ", 'x'), (6000001, " + u[1] + ", 'y'), (6000005, " + u[2]
                                + ", 'z') on conflict do nothing returning id"))
                        .isInstanceOf(SQLException.class)
                        .satisfies(e ->
                                assertThat(((SQLException) e).getSQLState()).isEqualTo("SR001"));
            }
            // auto-commit: nothing of either statement was written
            assertThat(onPrimary(u[0], 6_000_002)).isNull();
            assertThat(onPrimary(u[2], 6_000_003)).isNull();
            assertThat(onPrimary(u[0], 6_000_004)).isNull();
            assertThat(onPrimary(u[2], 6_000_005)).isNull();
            // without a conflict the rows come back in the statement's order, and are written
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setLong(1, 6_000_006);
                ps.setLong(2, u[2]);
                ps.setLong(3, 6_000_007);
                ps.setLong(4, u[0]);
                ps.setLong(5, 6_000_008);
                ps.setLong(6, u[1]);
                List<Long> ids = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getLong(1));
                    }
                }
                assertThat(ids).containsExactly(6_000_006L, 6_000_007L, 6_000_008L);
            }
            assertThat(onPrimary(u[0], 6_000_007)).isNotNull();
        }
    }

    @Test
    void databaseMetaDataGetConnectionReturnsTheLogicalConnection() throws SQLException {
        try (Connection c = router.getConnection()) {
            DatabaseMetaData md = c.getMetaData();
            assertThat(md.getConnection()).isSameAs(c);
            assertThat(md.getURL()).startsWith("jdbc:strata:");
            assertThat(md.getDatabaseProductName()).isEqualTo("PostgreSQL");
            try (ResultSet tables = md.getTables(null, null, "k_items", null)) {
                assertThat(tables.next()).isTrue();
                assertThat(tables.getStatement()).isNull();
            }
            // A write through the metadata's connection is routed: user 101's row lands on its own shard.
            try (PreparedStatement ps = md.getConnection()
                    .prepareStatement(
                            "insert into k_items (user_id, title) values (?, 'via-md')", new String[] {"id"})) {
                for (long user : new long[] {100, 101, 102, 103}) {
                    ps.setLong(1, user);
                    ps.executeUpdate();
                    try (ResultSet k = ps.getGeneratedKeys()) {
                        k.next();
                        assertThat(onPrimary(user, k.getLong(1))).isEqualTo("via-md");
                    }
                }
            }
        }
    }
}
