package io.strata.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.testkit.PgTopology;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Regression for the corpus check's crash: {@code key = ANY(?)} bound to an array holding NULL threw
 * a NullPointerException out of {@code executeQuery}. PostgreSQL ignores the NULL element (it
 * matches no row), and so does routing now.
 */
@ExtendWith(FourShards.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AnyArrayWithNullTest {

    private PgTopology topology;
    private ShardingDataSource router;

    @BeforeAll
    void setUp(PgTopology topology) throws SQLException {
        this.topology = topology;
        FourShards.onEveryPrimary(topology, "create table an_users (id bigint primary key, name text)");
        router = FourShards.router(topology, b -> b.table(TableRule.sharded("an_users", "id", KeyType.LONG)));
        try (Connection c = router.getConnection();
                PreparedStatement ps = c.prepareStatement("insert into an_users (id, name) values (?, ?)")) {
            for (long id = 1; id <= 20; id++) {
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
        FourShards.onEveryPrimary(topology, "drop table an_users");
    }

    private List<Long> ids(String sql, String type, Object[] values) throws SQLException {
        List<Long> out = new ArrayList<>();
        try (Connection c = router.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setArray(1, c.createArrayOf(type, values));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getLong(1));
                }
            }
        }
        return out;
    }

    @Test
    void aNullElementOfAnAnyArrayMatchesNoRowAndDoesNotCrash() throws SQLException {
        assertThat(ids("select id from an_users where id = any(?) order by id", "int8", new Long[] {3L, null, 17L}))
                .containsExactly(3L, 17L);
        assertThat(ids("select id from an_users where id = any(?) order by id", "int8", new Long[] {null}))
                .isEmpty();
        assertThat(ids("select id from an_users where id = any(?::int[]) order by id", "int4", new Integer[] {5, null}))
                .containsExactly(5L);
    }
}
