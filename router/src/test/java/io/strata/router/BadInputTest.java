package io.strata.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.testkit.PgShard;
import io.strata.testkit.PgTopology;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** Statements that cannot be routed safely fail with a clear SQLException, and nothing is written. */
@ExtendWith(FourShards.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputTest {

    private PgTopology topology;
    private ShardingDataSource router;

    @BeforeAll
    void setUp(PgTopology topology) throws SQLException {
        this.topology = topology;
        FourShards.onEveryPrimary(topology, "create table b_users (id bigint primary key, name text)");
        FourShards.onEveryPrimary(topology, "create table b_unruled (id bigint primary key, name text)");
        router = FourShards.router(topology, b -> b.table(TableRule.sharded("b_users", "id", KeyType.LONG)));
        try (Connection c = router.getConnection();
                PreparedStatement ps = c.prepareStatement("insert into b_users (id, name) values (?, ?)")) {
            for (long id = 1; id <= 40; id++) {
                ps.setLong(1, id);
                ps.setString(2, "n" + id);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    @AfterAll
    void tearDown() throws SQLException {
        router.close();
        FourShards.onEveryPrimary(topology, "drop table b_users; drop table b_unruled");
    }

    private long total(String sql) {
        long n = 0;
        for (PgShard s : topology.shards()) {
            n += s.primary().queryLong(sql);
        }
        return n;
    }

    private SQLException fails(String sql) throws SQLException {
        try (Connection c = router.getConnection();
                Statement st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            return e;
        }
        throw new AssertionError("expected a failure for " + sql);
    }

    @Test
    void aSyntaxErrorIsRejectedBeforeAnyShardSeesIt() throws SQLException {
        SQLException e = fails("insert into b_users (id, name) valus (100, 'x')");
        assertThat(e.getSQLState()).isEqualTo("SR005");
        assertThat(e.getMessage()).contains("cannot parse").contains("ShardHint");
        assertThat(total("select count(*) from b_users")).isEqualTo(40);
    }

    @Test
    void anUnknownTableIsRejectedUnderTheRejectPolicy() throws SQLException {
        SQLException e = fails("insert into b_unruled (id, name) values (1, 'x')");
        assertThat(e.getSQLState()).isEqualTo("SR004");
        assertThat(e.getMessage()).contains("'b_unruled'").contains("no table rule");
        assertThat(total("select count(*) from b_unruled")).isZero();
    }

    @Test
    void aKeylessUpdateIsRejected() throws SQLException {
        SQLException e = fails("update b_users set name = 'overwritten'");
        assertThat(e.getSQLState()).isEqualTo("SR002");
        assertThat(e.getMessage()).contains("no condition on its shard key 'id'");
        assertThat(total("select count(*) from b_users where name = 'overwritten'"))
                .isZero();
        SQLException delete = fails("delete from b_users where name = 'n1'");
        assertThat(delete.getMessage()).contains("shard key");
        assertThat(total("select count(*) from b_users")).isEqualTo(40);
    }

    @Test
    void aShardKeyChangeIsRejected() throws SQLException {
        SQLException e = fails("update b_users set id = 1000, name = 'moved' where id = 1");
        assertThat(e.getMessage()).contains("changes shard key 'id'");
        assertThat(total("select count(*) from b_users where id = 1 and name = 'n1'"))
                .isEqualTo(1);
        assertThat(total("select count(*) from b_users where id = 1000")).isZero();
    }

    @Test
    void aNullKeyInAMultiRowInsertRejectsTheWholeStatement() throws SQLException {
        SQLException e = fails("insert into b_users (id, name) values (200, 'a'), (null, 'b')");
        assertThat(e.getMessage()).contains("NULL");
        assertThat(total("select count(*) from b_users where id = 200")).isZero();
    }

    @Test
    void aCrossShardJoinNotOnTheKeyIsRejected() throws SQLException {
        SQLException e = fails("select * from b_users a join b_users b on a.name = b.name");
        assertThat(e.getMessage()).contains("not joined on their shard keys");
    }

    @Test
    void aRejectedPreparedStatementFailsAtPrepareTime() throws SQLException {
        try (Connection c = router.getConnection()) {
            assertThatThrownBy(() ->
                            c.prepareStatement("update b_users set name = ?").executeUpdate())
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("shard key");
        }
        assertThat(total("select count(*) from b_users")).isEqualTo(40);
    }

    /**
     * Issue 10 item 10: HikariCP evicts a connection whose statement failed with a state it treats
     * as fatal (08xxx, 0A000, 57P01..3, 01002, JZ0C0/1). Strata's SR states must leave the
     * connection in the pool; the control (PostgreSQL's own 0A000) shows the check sees evictions.
     */
    @Test
    void rejectionStatesDoNotMakeHikariCpEvictTheConnection() throws SQLException {
        com.zaxxer.hikari.HikariConfig config = new com.zaxxer.hikari.HikariConfig();
        config.setDataSource(router);
        config.setMaximumPoolSize(1);
        config.setPoolName("sr-states");
        try (com.zaxxer.hikari.HikariDataSource pool = new com.zaxxer.hikari.HikariDataSource(config)) {
            ShardingConnection first;
            try (Connection c = pool.getConnection()) {
                first = c.unwrap(ShardingConnection.class);
                for (String sql : java.util.List.of(
                        "update b_users set name = 'x'",
                        "selec 1",
                        "insert into b_unruled (id) values (1)",
                        "begin",
                        "update b_users set id = 5 where id = 4",
                        "insert into b_users values (77, 'x')",
                        "select a.id from b_users a join b_users b on a.name = b.name")) {
                    try (Statement st = c.createStatement()) {
                        assertThatThrownBy(() -> st.execute(sql))
                                .as(sql)
                                .isInstanceOf(SQLException.class)
                                .satisfies(e -> assertThat(((SQLException) e).getSQLState())
                                        .startsWith("SR"));
                    }
                }
                assertThatThrownBy(() -> c.createStatement(
                                java.sql.ResultSet.TYPE_SCROLL_INSENSITIVE, java.sql.ResultSet.CONCUR_READ_ONLY))
                        .satisfies(e ->
                                assertThat(((SQLException) e).getSQLState()).isEqualTo("SR009"));
            }
            try (Connection c = pool.getConnection()) {
                assertThat(c.unwrap(ShardingConnection.class))
                        .as("the pool kept the connection after SR rejections")
                        .isSameAs(first);
                try (Statement st = c.createStatement()) {
                    assertThatThrownBy(() -> st.executeQuery("select count(*) from b_users where id = 1 for update"))
                            .satisfies(e ->
                                    assertThat(((SQLException) e).getSQLState()).isEqualTo("0A000"));
                }
            }
            try (Connection c = pool.getConnection()) {
                assertThat(c.unwrap(ShardingConnection.class))
                        .as("control: PostgreSQL's 0A000 made HikariCP evict the connection")
                        .isNotSameAs(first);
            }
        }
    }
}
