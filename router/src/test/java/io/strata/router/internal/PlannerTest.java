package io.strata.router.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.router.KeyType;
import io.strata.router.RouteKind;
import io.strata.router.ShardMap;
import io.strata.router.TableRule;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PlannerTest {

    private final ShardMap map = ShardMap.uniform(List.of("s0", "s1", "s2", "s3"));
    private final Planner planner = new Planner(
            new RoutingRules(
                    map,
                    Map.of(
                            "users", TableRule.sharded("users", "id", KeyType.LONG),
                            "orders", TableRule.sharded("orders", "user_id", KeyType.LONG),
                            "countries", TableRule.broadcast("countries"),
                            "settings", TableRule.single("settings", "s2")),
                    -1,
                    false),
            100);

    private static Param[] params(Object... values) {
        Param[] out = new Param[values.length];
        for (int i = 0; i < values.length; i++) {
            Object v = values[i];
            out[i] = new Param(v, (ps, j) -> ps.setObject(j, v));
        }
        return out;
    }

    private List<Call> calls(String sql, Object... values) throws SQLException {
        return planner.plan(sql).calls(map, params(values), -1, 0, 4);
    }

    @Test
    void keyEqualityRoutesToOneShardWhateverTheSpelling() throws SQLException {
        int owner = map.shardIndexOf(42L, KeyType.LONG);
        assertThat(calls("select * from users where id = ?", 42))
                .singleElement()
                .extracting(Call::shard)
                .isEqualTo(owner);
        assertThat(calls("select * from users where id = ?", 42L))
                .singleElement()
                .extracting(Call::shard)
                .isEqualTo(owner);
        assertThat(calls("select * from users where id = 42"))
                .singleElement()
                .extracting(Call::shard)
                .isEqualTo(owner);
        assertThat(calls("select * from users where id = '42'"))
                .singleElement()
                .extracting(Call::shard)
                .isEqualTo(owner);
        assertThat(calls("select * from users u where 42 = u.id and name <> ?", "x"))
                .singleElement()
                .extracting(Call::shard)
                .isEqualTo(owner);
        assertThat(planner.plan("select * from users where id = ?").kind()).isEqualTo(RouteKind.SINGLE);
    }

    @Test
    void inListsAndAnyArraysReachOnlyTheOwningShards() throws SQLException {
        List<Call> c = calls("select * from users where id in (1, 2, 3, 4, 5, 6, 7, 8) order by id");
        assertThat(c).hasSizeBetween(2, 4);
        assertThat(calls("select * from users where id = any(?)", (Object) new Long[] {42L, 42L}))
                .hasSize(1);
    }

    @Test
    void aNullKeyMatchesNothingOnReadsButIsAnErrorOnInserts() throws SQLException {
        assertThat(calls("select * from users where id = ?", (Object) null)).hasSize(1);
        assertThat(calls("select * from users where id in (?, ?)", null, 42L))
                .singleElement()
                .extracting(Call::shard)
                .isEqualTo(map.shardIndexOf(42L, KeyType.LONG));
        assertThatThrownBy(() -> calls("insert into users (id, name) values (?, 'x')", (Object) null))
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("NULL");
    }

    @Test
    void keylessSelectScattersAndRewritesLimitAndAvg() throws SQLException {
        List<Call> c = calls("select name, avg(score) from users group by name order by 2 desc limit 5 offset 2");
        assertThat(c).hasSize(4);
        assertThat(c.get(0).sql())
                .contains("sum(score) AS avg")
                .contains("count(score) AS __strata_c0")
                .doesNotContain("LIMIT")
                .doesNotContain("ORDER BY");
        List<Call> s = calls("select * from users order by score desc limit ? offset ?", 10, 5);
        assertThat(s.get(0).sql()).endsWith(" LIMIT 15").contains("ORDER BY score DESC");
        assertThat(s.get(0).parameterMap()).isEmpty();
    }

    @Test
    void joinsOnTheKeyStayOnOneShard() throws SQLException {
        assertThat(calls("select * from users u join orders o on o.user_id = u.id where u.id = ?", 7))
                .hasSize(1);
        assertThat(calls("select * from users u join countries c on c.code = u.country where u.id = ?", 7))
                .hasSize(1);
        assertThat(planner.plan("select * from users u join orders o on o.amount = u.id")
                        .isRejected())
                .isTrue();
    }

    @Test
    void multiRowInsertsAreSplitByShardWithParametersRenumbered() throws SQLException {
        long a = 1;
        long b = 2;
        while (map.shardIndexOf(b, KeyType.LONG) == map.shardIndexOf(a, KeyType.LONG)) {
            b++;
        }
        List<Call> c = calls("insert into users (id, name) values (?, ?), (?, ?) returning id", a, "a", b, "b");
        assertThat(c).hasSize(2);
        for (Call call : c) {
            assertThat(call.sql()).startsWith("INSERT INTO users (id, name) VALUES (?, ?) RETURNING id");
            assertThat(call.parameterMap()).hasSize(2);
        }
        assertThat(c.get(0).parameterMap()[0] == 1 || c.get(0).parameterMap()[0] == 3)
                .isTrue();
    }

    @Test
    void broadcastAndSingleTablesGoWhereTheyLive() throws SQLException {
        assertThat(calls("insert into countries (code) values ('fr')")).hasSize(4);
        assertThat(calls("select * from countries")).hasSize(1);
        assertThat(calls("update settings set v = 1"))
                .singleElement()
                .extracting(Call::shard)
                .isEqualTo(2);
        assertThat(calls("create table t (id bigint)")).hasSize(4);
    }

    @Test
    void unsafeStatementsAreRejectedWithAReason() throws SQLException {
        assertThat(planner.plan("selec * from users").rejection().getMessage())
                .contains("cannot parse")
                .contains("ShardHint");
        assertThat(planner.plan("select * from nowhere").rejection().getMessage())
                .contains("'nowhere'")
                .contains("no table rule");
        assertThat(planner.plan("update users set name = 'x'").rejection().getMessage())
                .contains("shard key");
        assertThat(planner.plan("update users set id = 5 where id = 4")
                        .rejection()
                        .getMessage())
                .contains("changes shard key");
        assertThat(planner.plan("select count(distinct name) from users").isRejected())
                .isTrue();
        assertThat(planner.plan("select * from users where id in (select user_id from orders)")
                        .isRejected())
                .isTrue();
        assertThat(planner.plan("begin").isRejected()).isTrue();
        assertThatThrownBy(() -> calls("update users set name = 'x'")).isInstanceOf(SQLException.class);
    }

    @Test
    void aHintRoutesWhatTheParserCannotRead() throws SQLException {
        Plan p = planner.plan("selec * from users");
        assertThat(p.calls(map, params(), 3, 0, 4))
                .singleElement()
                .extracting(Call::shard)
                .isEqualTo(3);
        int owner = map.shardIndexOf(42L, KeyType.LONG);
        assertThatThrownBy(() ->
                        planner.plan("select * from users where id = 42").calls(map, params(), (owner + 1) % 4, 0, 4))
                .hasMessageContaining("hint names shard");
    }

    @Test
    void plansAreCachedByText() throws SQLException {
        Plan a = planner.plan("select * from users where id = ?");
        assertThat(planner.plan("select * from users where id = ?")).isSameAs(a);
        assertThat(planner.cache().stats().hitCount()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void numericDivisionScaleMatchesPostgres() {
        assertThat(GroupedMerge.divide(java.math.BigDecimal.ONE, java.math.BigDecimal.valueOf(3))
                        .toPlainString())
                .isEqualTo("0.33333333333333333333");
        assertThat(GroupedMerge.divide(java.math.BigDecimal.TEN, java.math.BigDecimal.valueOf(3))
                        .toPlainString())
                .isEqualTo("3.3333333333333333");
        assertThat(GroupedMerge.average(3L, 2L).toString()).isEqualTo("1.5000000000000000");
        assertThat(GroupedMerge.doubleText(1e20)).isEqualTo("1e+20");
        assertThat(GroupedMerge.doubleText(0.5)).isEqualTo("0.5");
    }

    @Test
    void placeholdersInsideLiteralsAndCommentsAreNotParameters() {
        assertThat(SqlText.countPlaceholders("select '?', \"?\", $$?$$ /* ? */ -- ?\n, ? "))
                .isEqualTo(1);
        assertThat(SqlText.hints("/* strata: shard=s1 consistency=strong */ select 1"))
                .containsEntry("shard", "s1")
                .containsEntry("consistency", "strong");
    }
}
