package io.strata.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.testkit.PgTopology;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Regression tests for the wrong answers {@link RandomQueryDifferentialTest} found, one test per
 * defect, each a fixed statement compared with one plain PostgreSQL holding the same rows (values
 * and each value's Java class), or required to fail as it fails there.
 */
@ExtendWith(FourShards.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FuzzFoundDefectsTest {

    private static final String[] SCHEMA = {
        "create table r_a (id bigint primary key, g int, s smallint, n numeric(10,2), f float8, d date,"
                + " t text, b boolean)",
        "create table r_b (id int not null, a_id bigint not null, qty int, primary key (a_id, id))",
    };
    private static final String[] ROWS = {
        "insert into r_a (id, g, s, n, f, d, t, b) values (1, 5, 2, 1.50, 0.25, '2026-01-03', 'alpha', true),"
                + " (2, -3, 7, null, -1.5, '2026-02-01', 'beta', false), (3, null, null, 2.25, null, null, null, null),"
                + " (4, 12, -4, -7.00, 3.0, '2026-01-20', 'alpha', true), (5, 5, 1, 0.10, 0.5, '2026-01-09', '', false),"
                + " (-6, 2147483647, 32767, 9.99, 1.0, '2026-01-01', 'zeta', true),"
                + " (7, -2147483648, -32768, 1.00, 2.0, '2026-03-01', 'Gamma', false)",
        "insert into r_b (id, a_id, qty) values (1, 1, 3), (2, 1, null), (3, 2, 7), (4, 4, -2), (5, 5, 3), (6, 7, 1)",
    };

    private ShardingDataSource router;
    private Connection plain;
    private Connection routed;

    @BeforeAll
    void load(PgTopology topology) throws SQLException {
        router = FourShards.router(
                topology,
                b -> b.table(TableRule.sharded("r_a", "id", KeyType.LONG))
                        .table(TableRule.sharded("r_b", "a_id", KeyType.LONG)));
        plain = ResultRows.plainDatabase(topology, "fuzzreg");
        routed = router.getConnection();
        ResultRows.loadBoth(plain, routed, List.of("r_a", "r_b"), SCHEMA, ROWS);
        FourShards.awaitReplicas(topology);
    }

    @AfterAll
    void close() throws SQLException {
        ResultRows.dropAndClose(routed, plain, router, List.of("r_a", "r_b"));
    }

    /**
     * Defect 1: arithmetic over merged aggregates came back as bigint ({@code Long}) where
     * PostgreSQL's type is integer ({@code max(int) - min(int)}, {@code min(int) + 1}); integer
     * overflow must fail as it fails there.
     */
    @Test
    void aggregateArithmeticOverIntegersIsAnInteger() throws SQLException {
        same("select max(g) - min(g) as spread from r_a where g between -5 and 20");
        same("select min(g) + 1, max(s) - min(s), max(g) / 2, -min(g) from r_a where id between 1 and 5");
        same("select b, max(g) - min(g) from r_a where id > 0 and g > -5 group by b order by b nulls first");
        same("select t, count(*) * 2, sum(g) / count(*), max(n) - min(n), max(f) - min(f) from r_a"
                + " group by t order by t nulls first");
        bothFail("select max(g) + 1 from r_a");
        bothFail("select max(s) - min(s) from r_a");
        assertThat(onRouter("select max(g) - min(g) from r_a where id between 1 and 5")
                        .get(1))
                .containsExactly("15::Integer");
    }

    /**
     * Defect 2: a HAVING condition PostgreSQL rejects (a boolean or a date compared with a number)
     * was evaluated after the merge and answered (silently empty when no group qualified).
     */
    @Test
    void havingThatPostgresRejectsFailsOnTheShards() throws SQLException {
        bothFail("select t, count(*) from r_a group by t having bool_or(b) >= 1");
        bothFail("select count(*) from r_a where id < 0 having min(d) < 1");
        bothFail("select t from r_a group by t having max(t) > 14");
        same("select t, count(*) from r_a group by t having bool_or(b) and count(*) >= 1 order by t nulls first");
        same("select g, count(*) from r_a group by g having max(n) > 1 or min(f) < 0 order by g nulls first");
    }

    /**
     * Defect 3: {@code x BETWEEN SYMMETRIC ? AND ?} reached the shards garbled (JSqlParser 5.3 reads
     * {@code SYMMETRIC ?1} as a column and the jsonb {@code ?} operator) and failed there with
     * 22023 "No value specified for parameter"; {@code BETWEEN SYMMETRIC -5 AND 3} parsed as
     * {@code symmetric - 5}. Both are now refused before any shard is touched (SR005).
     */
    @Test
    void betweenSymmetricIsRefusedBeforeTheShards() throws SQLException {
        for (String sql : List.of(
                "select id from r_a where g between symmetric ? and 3 order by id",
                "select id from r_a where g between symmetric -5 and 3 order by id",
                "select id from r_a where d not between asymmetric ? and '2026-02-01' order by id",
                "select id from r_a where id = 1 and g between symmetric ? and ?")) {
            Object[] params = sql.contains("'2026")
                    ? new Object[] {java.time.LocalDate.of(2026, 1, 1)}
                    : sql.contains("? and ?")
                            ? new Object[] {9, 1}
                            : sql.contains("?") ? new Object[] {9} : new Object[0];
            assertThat(rows(plain, sql, params)).as(sql).isNotEmpty();
            assertThatThrownBy(() -> rows(routed, sql, params))
                    .as(sql)
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("SR005"));
        }
        // the same condition written without SYMMETRIC is answered
        String plainForm = "select id from r_a where (g between ? and 3 or g between 3 and ?) order by id";
        assertThat(rows(routed, plainForm, 9, 9)).isEqualTo(rows(plain, plainForm, 9, 9));
    }

    private void same(String sql) throws SQLException {
        List<List<String>> expected = rows(plain, sql);
        List<List<String>> actual = rows(routed, sql);
        assertThat(actual).as(sql).isEqualTo(expected);
    }

    private void bothFail(String sql) {
        assertThatThrownBy(() -> rows(plain, sql)).as("PostgreSQL: " + sql).isInstanceOf(SQLException.class);
        assertThatThrownBy(() -> rows(routed, sql))
                .as("Strata: " + sql)
                .isInstanceOf(SQLException.class)
                .satisfies(e -> assertThat(((SQLException) e).getSQLState()).doesNotStartWith("SR"));
    }

    private List<List<String>> onRouter(String sql) throws SQLException {
        return rows(routed, sql);
    }

    private static List<List<String>> rows(Connection c, String sql, Object... params) throws SQLException {
        return ResultRows.query(c, sql, params);
    }
}
