package io.strata.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.testkit.PgTopology;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A logical connection's working state and a prepared statement's parameter slots are pooled and
 * reused (issue 17 item 5, less garbage per routed statement). Nothing may carry over: a reused
 * slot starts unset, and a closed connection or statement never reaches the state a newer one now
 * uses.
 */
@ExtendWith(FourShards.class)
class PooledConnectionStateTest {

    private ShardingDataSource router;

    @BeforeEach
    void setUp(PgTopology topology) throws SQLException {
        FourShards.onEveryPrimary(topology, "create table pcs_users (id bigint primary key, name text)");
        router = FourShards.router(topology, b -> b.table(TableRule.sharded("pcs_users", "id", KeyType.LONG)));
        try (Connection c = router.getConnection();
                PreparedStatement ps = c.prepareStatement("insert into pcs_users (id, name) values (?, ?)")) {
            for (long id = 1; id <= 20; id++) {
                ps.setLong(1, id);
                ps.setString(2, "user-" + id);
                ps.executeUpdate();
            }
        }
    }

    @AfterEach
    void tearDown(PgTopology topology) throws SQLException {
        router.close();
        FourShards.onEveryPrimary(topology, "drop table pcs_users");
    }

    @Test
    void aReusedParameterSlotStartsUnset() throws SQLException {
        try (Connection c = router.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement("select name from pcs_users where id = ?")) {
                ps.setLong(1, 7);
                try (ResultSet rs = ps.executeQuery()) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getString(1)).isEqualTo("user-7");
                }
            }
            // The same connection's next statement of one parameter takes the closed one's slots.
            try (PreparedStatement ps = c.prepareStatement("select name from pcs_users where id = ?")) {
                assertThatThrownBy(ps::executeQuery)
                        .isInstanceOf(SQLException.class)
                        .satisfies(e ->
                                assertThat(((SQLException) e).getSQLState()).isEqualTo("07001"));
                ps.setLong(1, 8);
                try (ResultSet rs = ps.executeQuery()) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getString(1)).isEqualTo("user-8");
                }
            }
        }
    }

    @Test
    void aClosedStatementCannotSetTheSlotsANewerStatementUses() throws SQLException {
        try (Connection c = router.getConnection()) {
            PreparedStatement old = c.prepareStatement("select name from pcs_users where id = ?");
            old.setLong(1, 3);
            old.close();
            try (PreparedStatement ps = c.prepareStatement("select name from pcs_users where id = ?")) {
                ps.setLong(1, 4);
                assertThatThrownBy(() -> old.setLong(1, 5)).isInstanceOf(SQLException.class);
                old.close(); // twice: gives nothing back twice
                try (PreparedStatement other = c.prepareStatement("select name from pcs_users where id = ?")) {
                    other.setLong(1, 9);
                    try (ResultSet rs = ps.executeQuery()) {
                        assertThat(rs.next()).isTrue();
                        assertThat(rs.getString(1)).isEqualTo("user-4");
                    }
                }
            }
        }
    }

    @Test
    void aClosedConnectionDoesNotReachTheStateANewerConnectionUses() throws SQLException {
        Connection old = router.getConnection();
        PreparedStatement oldStatement = old.prepareStatement("select name from pcs_users where id = ?");
        oldStatement.setLong(1, 2);
        oldStatement.executeQuery().close();
        old.close();
        try (Connection c = router.getConnection();
                PreparedStatement ps = c.prepareStatement("select name from pcs_users where id = ?")) {
            ps.setLong(1, 11);
            ps.executeQuery().close();
            ShardingConnection sc = c.unwrap(ShardingConnection.class);
            assertThat(sc.openShards()).hasSize(1);
            ShardingConnection closed = old.unwrap(ShardingConnection.class);
            assertThat(closed.openShards()).isEmpty();
            assertThat(old.isValid(1)).isFalse();
            assertThatThrownBy(() -> old.setNetworkTimeout(Runnable::run, 1000))
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("08003"));
            assertThatThrownBy(() -> oldStatement.setLong(1, 3)).isInstanceOf(SQLException.class);
            assertThatThrownBy(oldStatement::executeQuery).isInstanceOf(SQLException.class);
            // The newer connection still works, on its own shard.
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("user-11");
            }
            assertThat(sc.openShards()).hasSize(1);
        }
    }
}
