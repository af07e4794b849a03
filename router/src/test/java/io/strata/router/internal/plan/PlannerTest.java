package io.strata.router.internal.plan;

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
            out[i] = Param.of(v);
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
        // issue 17: DISTINCT aggregates are merged now; string_agg across shards is not
        assertThat(planner.plan("select string_agg(distinct name, ',') from users")
                        .isRejected())
                .isTrue();
        // correlated on a column that is not the shard key: refused (and not planned in steps)
        Plan correlated =
                planner.plan("select * from users u where exists (select 1 from orders o where o.amount = u.id)");
        assertThat(correlated.isRejected()).isTrue();
        assertThat(correlated.recursive).isNull();
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
    void placeholdersInsideLiteralsAndCommentsAreNotParameters() {
        assertThat(SqlText.countPlaceholders("select '?', \"?\", $$?$$ /* ? */ -- ?\n, ? "))
                .isEqualTo(1);
        assertThat(SqlText.hints("/* strata: shard=s1 consistency=strong */ select 1"))
                .containsEntry("shard", "s1")
                .containsEntry("consistency", "strong");
    }

    // ---------------------------------------------------------------- issue 10 regressions

    private String rejectionState(String sql) throws SQLException {
        Plan p = planner.plan(sql);
        assertThat(p.isRejected()).as(sql).isTrue();
        return p.rejection().getSQLState();
    }

    @Test
    void outerJoinsPreservingABroadcastTableAreRejected() throws SQLException {
        for (String sql : List.of(
                "select * from countries c left join users u on u.country = c.code",
                "select * from countries c left outer join users u on u.country = c.code where u.id = 4",
                "select count(*) from users u right join countries c on u.country = c.code",
                "select * from users u full join countries c on u.country = c.code",
                "select * from countries c full outer join users u on u.country = c.code",
                "select * from countries c natural left join users u",
                "select * from users u natural right join countries c",
                "select * from countries c left join users u using (code)",
                "select * from users u join orders o on o.user_id = u.id right join countries c on c.code = u.country",
                "select * from countries c left join (users u join orders o on o.user_id = u.id) on u.country = c.code",
                "select * from countries c left join users u on true left join orders o on o.user_id = u.id")) {
            assertThat(rejectionState(sql)).as(sql).isEqualTo("SR001");
            assertThat(planner.plan(sql).rejection().getMessage()).as(sql).contains("preserves rows of broadcast");
        }
        // the sharded side preserved, or inner joins: exact, allowed
        for (String sql : List.of(
                "select * from users u left join countries c on c.code = u.country",
                "select * from countries c right join users u on c.code = u.country",
                "select * from users u natural left join countries c",
                "select * from users u left join orders o on o.user_id = u.id left join countries c on c.code = u.country",
                "select * from users u full join orders o on o.user_id = u.id",
                "select * from countries c join users u on u.country = c.code",
                "select * from countries c left join countries d on d.code = c.code join users u on u.country = c.code")) {
            assertThat(planner.plan(sql).isRejected()).as(sql).isFalse();
        }
    }

    @Test
    void tableQualifiedColumnsAreNotSubqueryReads() throws SQLException {
        int owner = map.shardIndexOf(42L, KeyType.LONG);
        for (String sql : List.of(
                "select users.id, users.name from users where users.id = 42",
                "select \"users\".\"id\" from \"users\" where \"users\".\"id\" = 42",
                "select public.users.id from public.users where public.users.id = 42",
                "select u.id from public.users u where u.id = 42 order by u.name",
                "select users.name, count(*) from users where users.id = 42 group by users.name",
                "select users.id, (select countries.name from countries where countries.code = users.country)"
                        + " from users where users.id = 42",
                "select orders.amount from users join orders on orders.user_id = users.id where users.id = 42")) {
            assertThat(calls(sql))
                    .as(sql)
                    .singleElement()
                    .extracting(Call::shard)
                    .isEqualTo(owner);
        }
        assertThat(calls("select users.id from users order by users.name")).hasSize(4);
        // Issue 17: a semi-join on the shard keys is local to each shard; on another column it is not.
        assertThat(calls("select users.id from users where users.id in (select orders.user_id from orders)"))
                .hasSize(4);
        // not on the key and uncorrelated: the subquery runs first (recursive planning), whole statement
        // plans are refusals only for paths that cannot run steps (batches)
        Plan steps = planner.plan("select users.id from users where users.name in (select orders.status from orders)");
        assertThat(steps.recursive).isNotNull();
        assertThat(steps.recursive.steps())
                .singleElement()
                .satisfies(s -> assertThat(s.kind()).isEqualTo(RecursivePlanning.Kind.ARRAY));
        assertThat(rejectionState("select users.id from users u where exists (select 1 from orders o"
                        + " where o.status = u.name)"))
                .isEqualTo("SR001");
    }

    @Test
    void fetchFirstAndOffsetRowsWorkLikeLimitAndOffset() throws SQLException {
        int owner = map.shardIndexOf(42L, KeyType.LONG);
        assertThat(calls("select * from users where id = 42 order by id fetch first 5 rows only"))
                .singleElement()
                .satisfies(c -> assertThat(c.sql()).contains("fetch first 5 rows only"))
                .extracting(Call::shard)
                .isEqualTo(owner);
        assertThat(calls("select * from users where id = ? offset ? rows fetch first ? rows only", 42, 1, 2))
                .hasSize(1);
        List<Call> c = calls("select * from users order by id offset ? rows fetch next ? rows only", 3, 4);
        assertThat(c).hasSize(4);
        assertThat(c.get(0).sql()).endsWith(" LIMIT 7").doesNotContainIgnoringCase("fetch");
        assertThat(calls("select * from users order by id fetch first row only")
                        .get(0)
                        .sql())
                .endsWith(" LIMIT 1");
        assertThat(calls("select * from users order by id offset 2 rows").get(0).sql())
                .doesNotContainIgnoringCase("offset");
        assertThat(calls("select * from users order by id fetch next 3 rows only")
                        .get(0)
                        .sql())
                .endsWith(" LIMIT 3");
        assertThat(calls("select name from users group by name order by name offset 1 row fetch first 2 rows only")
                        .get(0)
                        .sql())
                .doesNotContainIgnoringCase("fetch")
                .doesNotContain("LIMIT");
        assertThat(rejectionState("select * from users order by id fetch first 3 rows with ties"))
                .isEqualTo("SR001");
    }

    @Test
    void selfJoinOrderByHiddenColumnIsQualified() throws SQLException {
        String sql = "select u1.* from users u1 join users u2 on u1.id = u2.id order by name";
        assertThat(calls(sql).get(0).sql()).contains("u1.name AS __strata_o0");
        assertThat(calls("select u1.id, u1.name from users u1 join users u2 on u1.id = u2.id order by name")
                        .get(0)
                        .sql())
                .doesNotContain("__strata");
        // a position under SELECT * is the shard row's column, never a constant hidden column
        assertThat(calls("select * from users order by 2").get(0).sql()).doesNotContain("__strata");
    }

    @Test
    void anOrderByAggregateMakesAnAggregateQuery() throws SQLException {
        List<Call> c = calls("select 1 as one from users order by count(*)");
        assertThat(c).hasSize(4);
        assertThat(planner.plan("select 1 as one from users order by count(*)")
                        .merge
                        .grouping())
                .isTrue();
        assertThat(rejectionState("select id from users order by row_number() over ()"))
                .isEqualTo("SR001");
        // JSqlParser 5.3 cannot read COLLATE in ORDER BY; MergeBuilder.checkCollation guards the day it can
        assertThat(rejectionState("select id, name from users order by name collate \"en_US\""))
                .startsWith("SR");
    }

    @Test
    void whatOneShardAnswersIsRejectedOnlyWhenKeysReachSeveral() throws SQLException {
        String sql = "select name, count(*) from users where id in (?, ?) group by name having max(name) > 'a'";
        assertThat(planner.plan(sql).isRejected()).isFalse();
        assertThat(calls(sql, 42L, 42L)).hasSize(1);
        long other = 43;
        while (map.shardIndexOf(other, KeyType.LONG) == map.shardIndexOf(42L, KeyType.LONG)) {
            other++;
        }
        long b = other;
        assertThatThrownBy(() -> calls(sql, 42L, b))
                .isInstanceOf(SQLException.class)
                .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("SR001"));
        assertThat(rejectionState("select name from users group by name having max(name) > 'a'"))
                .isEqualTo("SR001");
        // a subquery with LIMIT over a broadcast table picks rows by physical order: one shard only
        String limited = " u.country in (select code from countries limit 2)";
        assertThat(rejectionState("select * from users u where" + limited)).isEqualTo("SR001");
        assertThat(calls("select * from users u where u.id = 42 and" + limited)).hasSize(1);
    }

    @Test
    void rejectionsUseStrataSqlStates() throws SQLException {
        assertThat(rejectionState("selec * from users")).isEqualTo("SR005");
        assertThat(rejectionState("select * from nowhere")).isEqualTo("SR004");
        assertThat(rejectionState("update users set name = 'x'")).isEqualTo("SR002");
        assertThat(rejectionState("update users set id = 5 where id = 4")).isEqualTo("SR003");
        assertThat(rejectionState("insert into users (id) values (1) on conflict (id) do update set id = 2"))
                .isEqualTo("SR003");
        assertThat(rejectionState("insert into users values (1, 'x')")).isEqualTo("SR002");
        assertThat(rejectionState("insert into users (name) values ('x')")).isEqualTo("SR002");
        assertThat(rejectionState("select * from users a join users b on a.name = b.name"))
                .isEqualTo("SR001");
        assertThat(rejectionState("begin")).isEqualTo("SR007");
        assertThat(planner.plan("insert into users values (1, 'x')").rejection().getMessage())
                .contains("without a column list")
                .contains("INSERT INTO users (id, ...)");
        int owner = map.shardIndexOf(42L, KeyType.LONG);
        assertThatThrownBy(() ->
                        planner.plan("select * from users where id = 42").calls(map, params(), (owner + 1) % 4, 0, 4))
                .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("SR006"));
    }

    /** JSqlParser 5.3 swallows what follows an IN list into the list (see KeyConditions.repairInLists). */
    @Test
    void inListFollowedByAndOrKeepsPostgresPrecedence() throws SQLException {
        long other = 43;
        while (map.shardIndexOf(other, KeyType.LONG) == map.shardIndexOf(42L, KeyType.LONG)) {
            other++;
        }
        // (id = 42 and name in (...)) or id = other: needs other's shard too
        assertThat(calls("select * from users where id = ? and name in ('a', 'b') or id = " + other, 42L))
                .hasSizeGreaterThanOrEqualTo(2);
        assertThat(rejectionState("update users set name = 'x' where id = 1 and name in ('a') or id = 5"))
                .isEqualTo("SR002");
        assertThat(rejectionState("delete from users where id = 1 and name in ('a') or name = 'zzz'"))
                .isEqualTo("SR002");
        assertThat(rejectionState("delete from users where id = 1 and name not in ('a') or name = 'zzz'"))
                .isEqualTo("SR002");
        // MyBatis <foreach>: the key IN list first, then more conditions: keyed
        assertThat(calls("delete from users where id in ( ? , ? ) and name = ?", 42L, 42L, "x"))
                .singleElement()
                .extracting(Call::shard)
                .isEqualTo(map.shardIndexOf(42L, KeyType.LONG));
        assertThat(calls("select * from users where id in (?, ?) and name = ? order by id", 42L, 42L, "x"))
                .hasSize(1);
        assertThat(calls("select * from users where name in ('a') and id = 42 or name = 'b'"))
                .hasSize(4);
        assertThat(calls("select * from users where not name in ('a') and id = 42"))
                .hasSize(1);
        assertThat(calls("select * from users where (name in ('a') and id = 42) or id = 42"))
                .hasSize(4);
        // a link that an OR makes conditional is no link
        assertThat(rejectionState("select * from users u join orders o on o.user_id = u.id and o.status in ('a')"
                        + " or u.name = o.status"))
                .isEqualTo("SR001");
        assertThat(calls("select * from users u join orders o on o.status in ('a') and o.user_id = u.id"
                        + " where u.id = 42"))
                .hasSize(1);
    }

    /** A literal whose value a cast or an escape prefix changes is not a key (routed as keyless). */
    @Test
    void valueChangingCastsAndEscapeStringsAreNotKeys() throws SQLException {
        assertThat(calls("select * from users where id = E'42'")).hasSize(4);
        assertThat(calls("select * from users where id = '42'::varchar(1)")).hasSize(4);
        assertThat(calls("select * from users where id = '42'::bigint")).hasSize(1);
        assertThat(rejectionState("insert into users (id, name) values (E'42', 'x')"))
                .isEqualTo("SR002");
        assertThat(rejectionState("update users set name = 'x' where id = '42'::char(1)"))
                .isEqualTo("SR002");
    }

    /** A subquery over a sharded table in a write would read one shard only ("max + 1" ids, say). */
    @Test
    void shardedSubqueriesInWritesAndAnywhereInSelectsAreRejected() throws SQLException {
        for (String sql : List.of(
                "update users set name = (select max(name) from users) where id = 5",
                "delete from users where id = 5 and name = (select min(name) from users)",
                "insert into users (id, name) values ((select max(id) + 1 from users), 'x')",
                "insert into users (id, name) values (5, (select max(name) from users))",
                "update orders set status = 'x' where user_id = 5 and id in (select id from orders where amount > 1)",
                "update countries set name = (select max(name) from users)",
                "select * from users u where id = 5 and exists (select 1 from users x where x.name = u.name)")) {
            assertThat(rejectionState(sql)).as(sql).isEqualTo("SR001");
        }
        // (JSqlParser 5.3 cannot read a subquery in LIMIT: refused as unparseable)
        assertThat(rejectionState("select * from users where id = 5 limit (select count(*) from users)"))
                .startsWith("SR");
        assertThat(calls("update users set name = (select max(name) from countries) where id = 5"))
                .hasSize(1);
    }

    /** Broadcast copies must stay identical: values computed per shard are refused in their writes. */
    @Test
    void broadcastWritesWithPerShardValuesAreRejected() throws SQLException {
        for (String sql : List.of(
                "insert into countries (code, name) values ('fr', gen_random_uuid()::text)",
                "update countries set name = random()::text",
                "insert into countries (code, name) values ('x', clock_timestamp()::text)",
                "delete from countries where random() < 0.5")) {
            assertThat(rejectionState(sql)).as(sql).isEqualTo("SR001");
        }
        assertThat(calls("insert into countries (code, name) values ('fr', upper('france'))"))
                .hasSize(4);
        assertThat(calls("update users set name = random()::text where id = 5")).hasSize(1);
    }

    /** USING (key) links the two sides of its own join only, not a table cross-joined after it. */
    @Test
    void usingLinksOnlyItsOwnJoin() throws SQLException {
        assertThat(rejectionState("select count(*) from users a join users b using (id) cross join users c"))
                .isEqualTo("SR001");
        assertThat(rejectionState("select count(*) from users c, users a join users b using (id)"))
                .isEqualTo("SR001");
        assertThat(planner.plan("select count(*) from users a join users b using (id) join users c using (id)")
                        .isRejected())
                .isFalse();
        assertThat(planner.plan("select count(*) from orders o join users u on u.id = o.user_id"
                                + " join orders p using (user_id)")
                        .isRejected())
                .isFalse();
    }

    /** PostgreSQL refuses DISTINCT with an ORDER BY outside the list; a hidden column would widen DISTINCT. */
    @Test
    void distinctOrderByOutsideTheSelectListIsRejected() throws SQLException {
        assertThat(rejectionState("select distinct name from users order by id"))
                .isEqualTo("SR001");
        assertThat(planner.plan("select distinct name from users order by name desc")
                        .isRejected())
                .isFalse();
        assertThat(planner.plan("select distinct u.name from users u order by name")
                        .isRejected())
                .isFalse();
        assertThat(calls("select distinct name from users where id = 42 order by id"))
                .hasSize(1);
    }

    /** Issue 17 item 4: a statement pinned to one shard goes there whole, whatever it contains. */
    @Test
    void pinnedStatementsGoToTheirShardWhole() throws SQLException {
        int owner = map.shardIndexOf(41L, KeyType.LONG);
        for (String sql : List.of(
                "select id, row_number() over (order by id) from users where id = 41",
                "select distinct on (name) name, id from users where id = 41 order by name, id",
                "select * from orders where user_id = 41 and amount > (select avg(amount) from orders where user_id = 41)",
                "select * from users u where u.id = 41 and exists (select 1 from orders o where o.user_id = u.id)",
                "with o as (select * from orders where user_id = 41) select count(*) from o",
                "select name, sum(id) from users where id = 41 group by rollup (name)",
                "select percentile_cont(0.5) within group (order by id) from users where id = 41",
                "select string_agg(name, ',') from users where id in (41, 41)")) {
            assertThat(calls(sql))
                    .as(sql)
                    .singleElement()
                    .extracting(Call::shard)
                    .isEqualTo(owner);
            Plan p = planner.plan(sql);
            assertThat(p.calls(map, params(), owner, 0, 4))
                    .as(sql + " with a hint")
                    .hasSize(1);
        }
        // Separately pinned tables on two shards cannot be answered by one.
        long other = 42;
        while (map.shardIndexOf(other, KeyType.LONG) == owner) {
            other++;
        }
        String twoPins = "select * from orders where user_id = 41 and amount > (select avg(amount) from orders"
                + " where user_id = " + other + ")";
        assertThatThrownBy(() -> calls(twoPins))
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("pinned");
    }

    /** Issue 17 item 4: unqualified join keys resolve against the tables in scope. */
    @Test
    void unqualifiedJoinKeysAreResolved() throws SQLException {
        Planner p = new Planner(
                new RoutingRules(
                        map,
                        Map.of(
                                "customer", TableRule.sharded("customer", "c_custkey", KeyType.LONG),
                                "orders", TableRule.sharded("orders", "o_custkey", KeyType.LONG),
                                "nation", TableRule.broadcast("nation")),
                        -1,
                        false),
                100);
        assertThat(p.plan("select c_name, count(*) from customer, orders, nation where c_custkey = o_custkey"
                                + " and c_nationkey = n_nationkey group by c_name")
                        .isRejected())
                .isFalse();
        assertThat(p.plan("select * from customer, orders where c_custkey = o_orderkey")
                        .rejection()
                        .getMessage())
                .contains("orders.o_custkey")
                .contains("customer.c_custkey");
        // An unqualified outer name is not trusted inside a subquery (an inner table may have that column).
        assertThat(p.plan("select * from customer where exists (select 1 from orders where o_custkey = c_custkey)")
                        .isRejected())
                .isTrue();
        assertThat(p.plan("select * from customer where exists (select 1 from orders"
                                + " where o_custkey = customer.c_custkey)")
                        .isRejected())
                .isFalse();
        assertThat(p.plan("select * from customer where exists (select 1 from orders, nation"
                                + " where n_nationkey = c_custkey)")
                        .isRejected())
                .isTrue();
    }

    /** Issue 17 item 4: ROLLUP / CUBE / GROUPING SETS and ordered-set aggregates refused by name, before any shard. */
    @Test
    void unmergeableGroupingIsRefusedByName() throws SQLException {
        assertThat(planner.plan("select name, count(*) from users group by rollup (name)")
                        .rejection()
                        .getMessage())
                .contains("ROLLUP");
        assertThat(planner.plan("select name, count(*) from users group by cube (name)")
                        .rejection()
                        .getMessage())
                .contains("CUBE");
        assertThat(planner.plan("select name, count(*) from users group by grouping sets ((name), ())")
                        .rejection()
                        .getMessage())
                .contains("GROUPING SETS");
        assertThat(planner.plan("select mode() within group (order by name) from users")
                        .rejection()
                        .getMessage())
                .contains("mode()");
        assertThat(planner.plan("select count(*) filter (where id > 3) from users")
                        .isRejected())
                .isFalse();
    }
}
