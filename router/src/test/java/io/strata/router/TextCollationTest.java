package io.strata.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.testkit.PgTopology;
import java.sql.Connection;
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
 * Regression for the independent corpus check's last wrong answers: a text column declared with a
 * non-C collation ({@code COLLATE "en-x-icu"}) was merged across shards by code point, so a
 * scattered {@code ORDER BY name}, {@code min/max(name)} or {@code DISTINCT name ORDER BY name}
 * returned another order (or other rows under LIMIT) than one database. The merge cannot order by
 * that collation, so such statements are refused ({@code SR001}); keyed ones still run.
 */
@ExtendWith(FourShards.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TextCollationTest {

    private PgTopology topology;
    private ShardingDataSource router;

    @BeforeAll
    void setUp(PgTopology topology) throws SQLException {
        this.topology = topology;
        FourShards.onEveryPrimary(
                topology, "create table tc_people (id bigint primary key, name text collate \"en-x-icu\", n int)");
        router = FourShards.router(topology, b -> b.table(TableRule.sharded("tc_people", "id", KeyType.LONG)));
        String[] names = {"apple", "Banana", "cherry", "Date", "éclair", "fig", "Grape", "kiwi"};
        try (Connection c = router.getConnection();
                PreparedStatement ps = c.prepareStatement("insert into tc_people (id, name, n) values (?, ?, ?)")) {
            for (int i = 0; i < names.length; i++) {
                ps.setLong(1, i + 1);
                ps.setString(2, names[i]);
                ps.setInt(3, i);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    @AfterAll
    void tearDown() throws SQLException {
        router.close();
        FourShards.onEveryPrimary(topology, "drop table tc_people");
    }

    private List<String> strings(String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = router.getConnection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    @Test
    void columnCollationOrderByAcrossShardsIsRefusedNotMisordered() {
        for (String sql : List.of(
                "select name from tc_people order by name",
                "select name from tc_people order by name limit 3",
                "select min(name) from tc_people",
                "select max(name), count(*) from tc_people",
                "select distinct name from tc_people order by name",
                "select name, count(*) from tc_people group by name")) {
            assertThatThrownBy(() -> strings(sql))
                    .as(sql)
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("SR001"))
                    .hasMessageContaining("en-x-icu");
        }
    }

    @Test
    void keyedAndNonTextStatementsOnTheSameTableStillRun() throws SQLException {
        assertThat(strings("select name from tc_people where id = 2 order by name"))
                .containsExactly("Banana");
        assertThat(strings("select id from tc_people order by n desc limit 2")).containsExactly("8", "7");
        assertThat(strings("select count(*) from tc_people")).containsExactly("8");
    }
}
