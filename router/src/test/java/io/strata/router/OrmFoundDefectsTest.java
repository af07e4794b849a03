package io.strata.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.testkit.PgTopology;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Regression tests for the defects the ORM differential tests ({@code orm-tests},
 * {@code io.strata.orm.differential}) found, one test per defect, each statement compared with one
 * plain PostgreSQL holding the same rows (values and each value's Java class).
 */
@ExtendWith(FourShards.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OrmFoundDefectsTest {

    private static final String[] SCHEMA = {
        "create table o_a (id bigint primary key, g int, t text)", "create table o_t (k text primary key, v int)",
    };
    private static final String[] ROWS = {
        "insert into o_a (id, g, t) values (1, 5, ' alpha '), (2, -3, 'beta'), (3, null, null), (4, 12, 'alpha'),"
                + " (5, 5, 'xx gamma xx'), (6, 7, '  '), (7, 1, 'zeta  '), (8, 2, 'delta')",
        "insert into o_t (k, v) values ('alpha', 1), ('NULL', 2), (' x ', 3), ('a,b', 4), ('q\"q', 5), ('x', 6),"
                + " ('beta', 7), ('gamma', 8), ('back\\slash', 9), ('', 10)",
    };

    private ShardingDataSource router;
    private Connection plain;
    private Connection routed;

    @BeforeAll
    void load(PgTopology topology) throws SQLException {
        router = FourShards.router(
                topology,
                b -> b.table(TableRule.sharded("o_a", "id", KeyType.LONG))
                        .table(TableRule.sharded("o_t", "k", KeyType.TEXT)));
        plain = ResultRows.plainDatabase(topology, "ormreg");
        routed = router.getConnection();
        ResultRows.loadBoth(plain, routed, List.of("o_a", "o_t"), SCHEMA, ROWS);
        FourShards.awaitReplicas(topology);
    }

    @AfterAll
    void close() throws SQLException {
        ResultRows.dropAndClose(routed, plain, router, List.of("o_a", "o_t"));
    }

    /**
     * Defect 1: {@code trim(BOTH from x)} (how Hibernate 6 renders HQL's {@code trim}) made the
     * planner throw a NullPointerException (JSqlParser's visitor adapter visits only TRIM's
     * character), and an aggregate or subquery inside TRIM's FROM operand was never seen: {@code
     * trim(both ' ' from max(t))} was not planned as an aggregate.
     */
    @Test
    void trimOperandsArePlanned() throws SQLException {
        same("select id, trim(both from t), trim(leading from t), trim(trailing 'x' from t) from o_a order by id");
        same("select id from o_a where trim(both from t) = 'alpha' order by id");
        // An aggregate inside TRIM's FROM operand is seen now: refused like any function over a merged
        // aggregate (before, each shard's row came back: four rows for one).
        for (String sql : List.of(
                "select trim(both ' ' from max(t)) from o_a",
                "select trim(trailing from min(t)) from o_a",
                "select trim(leading ' ' from string_agg(t, ',' order by id)) from o_a where id < 6")) {
            assertThat(rows(plain, sql)).hasSize(2);
            assertThatThrownBy(() -> rows(routed, sql))
                    .as(sql)
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("SR001"));
        }
        same("select trim(both from t) as tt, count(*) from o_a group by trim(both from t) order by tt nulls first");
        same("select id, trim(both from (select o_t.k from o_t where o_t.k = ' x ')) from o_a where id = 4");
    }

    /**
     * Defect 2: {@code key = ANY(?::bigint[])} with the array bound as its text form (jOOQ binds
     * arrays that way: {@code setString(1, "{1,2}")}) was refused with 22023 although PostgreSQL
     * answers it; the text is now read as PostgreSQL reads it, and what Strata cannot read exactly
     * (several dimensions) is refused with SR002.
     */
    @Test
    void anyArrayBoundAsTextIsRoutedByItsElements() throws SQLException {
        same("select id, t from o_a where id = any(?::bigint[]) order by id", "{1, 4,NULL,7 }");
        String untyped = "select id, t from o_a where id = any(?) order by id";
        SQLException onPlain = catchSql(() -> rows(plain, untyped, "{2,3,8}"));
        SQLException onStrata = catchSql(() -> rows(routed, untyped, "{2,3,8}"));
        assertThat(onStrata.getSQLState()).isEqualTo(onPlain.getSQLState());
        same("select count(*) from o_a where id = any(?::int8[])", "{}");
        same(
                "select k, v from o_t where k = any(?::text[]) order by v",
                "{alpha,\"NULL\",\"a,b\",\"q\\\"q\",\" x \",NULL, beta ,back\\\\slash,\"\"}");
        same("select k, v from o_t where k = any(?::text[]) order by v", "{\\NULL,x}");
        String update = "update o_t set v = v + 100 where k = any(?::text[])";
        String[] keys = {"{gamma,\" x \",\"NULL\"}"};
        try (PreparedStatement p = plain.prepareStatement(update);
                PreparedStatement r = routed.prepareStatement(update)) {
            p.setString(1, keys[0]);
            r.setString(1, keys[0]);
            assertThat(r.executeUpdate()).isEqualTo(p.executeUpdate()).isEqualTo(3);
        }
        same("select k, v from o_t order by v");
        for (String refused : List.of("{{1,2},{3,4}}", "[1:2]={1,2}", "{1,{2}}")) {
            assertThatThrownBy(() -> rows(routed, "select id from o_a where id = any(?::bigint[])", refused))
                    .as(refused)
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("SR002"));
        }
    }

    /**
     * Defect 3: a set operation paged with {@code FETCH FIRST/NEXT n ROWS ONLY} (how jOOQ and
     * Hibernate 6 write LIMIT: {@code union ... offset ? rows fetch next ? rows only}) was refused
     * with SR001 though a LIMIT on it is merged; FETCH is now merged like LIMIT (WITH TIES still
     * refused).
     */
    @Test
    void setOperationsPagedWithFetchAreMerged() throws SQLException {
        same(
                "select id from o_a where g > 0 union select id from o_a where t like 'a%' order by id"
                        + " offset ? rows fetch next ? rows only",
                1, 3);
        same("select id, t from o_a union all select id, t from o_a where id < 3 order by 1 desc, 2"
                + " fetch first 4 rows only");
        same("select id from o_a where g > 0 union all select id from o_a where g is null order by id desc"
                + " fetch first row only");
        same("select id from o_a where g > 0 intersect select id from o_a where t is not null order by id"
                + " offset 1 row fetch first 3 rows only");
        same("(select id from o_a where g > 0) except (select id from o_a where t = 'beta') order by id"
                + " fetch next 2 rows only");
        assertThatThrownBy(() -> rows(
                        routed,
                        "select g from o_a union all select g from o_a order by 1 fetch first 2 rows with ties"))
                .isInstanceOf(SQLException.class)
                .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("SR001"));
    }

    /**
     * A probe, not a defect: every shape an ORM renders around a merged aggregate is answered as one
     * database answers it, or refused with an SR state, never answered per shard.
     */
    @Test
    void expressionsAroundMergedAggregatesAreExactOrRefused() throws SQLException {
        for (String sql : List.of(
                "select substring(max(t) from 1 for 2) from o_a",
                "select substring(max(t), 1, 2) from o_a",
                "select position('a' in max(t)) from o_a",
                "select overlay(max(t) placing 'x' from 1 for 1) from o_a",
                "select max(g)::text, cast(min(g) as text) from o_a",
                "select coalesce(max(g), 0), nullif(max(g), 12), greatest(max(g), 0) from o_a",
                "select case when max(g) > 3 then 'x' else 'y' end from o_a",
                "select max(g) is null, max(g) in (12, 13), max(g) between 1 and 20 from o_a",
                "select not (max(g) > 3), max(g) is distinct from 12 from o_a",
                "select array[max(g)], max(g) = any(array[12]) from o_a",
                "select t || max(g) from o_a group by t order by 1 nulls first",
                "select concat(max(t), 'x'), lower(max(t)), max(t) like 'z%', max(t) ~ 'z' from o_a",
                "select max(g) % 5, max(g) & 3, max(g) << 1, max(g) ^ 2, @ min(g), |/ max(g) from o_a",
                "select interval '1 day' * max(g) from o_a",
                "select extract(year from max(date '2026-01-01' + g)) from o_a",
                "select json_build_object('m', max(g))::text from o_a",
                "select max(g) + count(*) filter (where g > 0) from o_a",
                "select exists (select 1 from o_t where o_t.v = max(o_a.g)) from o_a",
                "select max(g) over () from o_a order by 1 limit 1",
                "select count(*) from o_a having max(g) > 3 and min(t) < 'b'",
                "select sum(g) / nullif(count(*), 0) from o_a")) {
            sameOrRefused(sql);
        }
    }

    /**
     * Defect 5: an aggregate of the outer query written inside a subquery ({@code (select
     * max(o_a.g))}: PostgreSQL assigns an aggregate to the level of the columns it reads) was not
     * seen by the merge, so each shard's row came back: four rows for one. Now refused (SR001);
     * a subquery's own aggregates (its columns, or unqualified ones) are unaffected.
     */
    @Test
    void anOuterAggregateInsideASubqueryIsRefused() throws SQLException {
        for (String sql : List.of(
                "select (select max(o_a.g)) from o_a",
                "select (select max(o_a.g) from o_t where o_t.k = 'x') from o_a",
                "select exists (select 1 from o_t where o_t.k = 'x' and o_t.v < max(o_a.g)) from o_a",
                "select (select (select sum(a.g) + 1)) from o_a a",
                "select (select string_agg(o_a.t, ',' order by o_a.id) from o_t where o_t.k = 'x') from o_a")) {
            assertThat(rows(plain, sql)).as(sql).hasSize(2);
            assertThatThrownBy(() -> rows(routed, sql))
                    .as(sql)
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("SR001"));
        }
        // A subquery's own aggregate (a key-pinned subquery), and one reading its own unqualified column.
        same("select id, (select max(o_t.v) from o_t where o_t.k = 'x') from o_a order by id");
        sameOrRefused("select id, (select count(*) from o_t where o_t.k = o_a.t) from o_a order by id");
        same("select id, (select max(v) from o_t where o_t.k = 'beta') from o_a order by id");
    }

    /**
     * Defect 6 (fixed on main by c81e7f7, in execute/; reported from /work/notes/ormcheck.md): a multi-row
     * {@code INSERT ... ON CONFLICT DO NOTHING RETURNING} split over shards, run with {@code
     * executeQuery} in auto-commit mode (jOOQ's {@code onConflictDoNothing().returning().fetch()}),
     * whose conflicting row was skipped, fails with SR001 at {@code next()}, after the shards
     * committed: the other rows were written although the statement was refused (the README promises
     * that in auto-commit mode nothing is written; the RETURN_GENERATED_KEYS path kept it).
     */
    @Test
    void aRefusedInsertReturningWritesNothingInAutoCommit() throws SQLException {
        String sql = "insert into o_a (id, g, t) values (201, 1, 'x'), (1, 1, 'dup'), (202, 2, 'y'), (203, 3, 'z')"
                + " on conflict do nothing returning id";
        assertThat(rows(plain, sql)).hasSize(4);
        ResultRows.exec(plain, "delete from o_a where id in (201, 202, 203)");
        try {
            List<List<String>> answered;
            try {
                answered = rows(routed, sql);
            } catch (SQLException e) {
                assertThat(e.getSQLState()).startsWith("SR");
                assertThat(rows(routed, "select id from o_a where id in (201, 202, 203) order by id"))
                        .as("rows written by a refused auto-commit statement")
                        .isEqualTo(List.of(List.of("id")));
                return;
            }
            assertThat(answered)
                    .isEqualTo(
                            List.of(List.of("id"), List.of("201::Long"), List.of("202::Long"), List.of("203::Long")));
        } finally {
            ResultRows.exec(routed, "delete from o_a where id in (201, 202, 203)");
        }
    }

    /**
     * Probe of the subqueries JSqlParser's visitor adapter does not reach: {@code x = ANY (SELECT
     * ...)} / {@code ALL}, a FILTER clause, a window's PARTITION BY. Each must be answered exactly or
     * refused, never run per shard against one shard's rows of the subquery's table.
     */
    @Test
    void subqueriesInAnyAllAndFilterAreSeen() throws SQLException {
        for (String sql : List.of(
                "select id from o_a where g = any (select o_t.v from o_t where o_t.k <> 'zz') order by id",
                "select id from o_a where g > all (select o_t.v from o_t where o_t.v < 5) order by id",
                "select id from o_a where g = some (select o_t.v from o_t) order by id",
                "select count(*) filter (where o_a.g in (select o_t.v from o_t)) from o_a",
                "select count(*) filter (where o_a.g = any (select o_t.v from o_t)) from o_a",
                "select id, sum(g) over (partition by (select max(o_t.v) from o_t)) from o_a order by id",
                "select id from o_a where t like (select max(o_t.k) from o_t) escape '!' order by id")) {
            sameOrRefused(sql);
        }
    }

    /** Probe: subqueries over a sharded table in every place a SELECT can hold one. */
    @Test
    void subqueriesAnywhereAreExactOrRefused() throws SQLException {
        for (String sql : List.of(
                "select id from o_a order by (select count(*) from o_t where o_t.v < o_a.g), id",
                "select id from o_a order by id limit (select count(*) from o_t)",
                "select id from o_a order by id offset (select count(*) from o_t where o_t.v > 5)",
                "select id from o_a join lateral (select max(o_t.v) m from o_t where o_t.v > o_a.g) x on true order by id",
                "select id from o_a where (select count(*) from o_t where o_t.v = o_a.g) > 0 order by id",
                "select array(select o_t.v from o_t order by o_t.v) from o_a where id = 1",
                "select id, (select string_agg(o_t.k, ',' order by o_t.k) from o_t) from o_a where id < 3 order by id",
                "select id, case when exists (select 1 from o_t where o_t.v = 9) then 1 else 0 end from o_a order by id",
                "select id from o_a where g between (select min(o_t.v) from o_t) and (select max(o_t.v) from o_t) order by id",
                "select id from o_a where t = any (array(select o_t.k from o_t)) order by id",
                "select id from o_a where g in (select o_t.v from o_t union select 1) order by id",
                "select id from o_a where exists (select 1 from o_t where o_t.k = o_a.t) order by id",
                "select id, cast((select max(o_t.v) from o_t) as text) from o_a order by id",
                "select id from o_a group by id having max(g) < (select max(o_t.v) from o_t) order by id",
                "select id, g from o_a where id = 4 and g < (select count(*) from o_t)",
                "select (select count(*) from o_t) from o_a where id = 4",
                "select id, (select count(*) from o_a b where b.g = o_a.g) from o_a order by id",
                "select id from o_a where g > (select avg(b.g) from o_a b) order by id")) {
            sameOrRefused(sql);
        }
    }

    /** Probe: derived tables, CTEs and windows whose rows may span shards. */
    @Test
    void derivedTablesAndWindowsThatSpanShardsAreExactOrRefused() throws SQLException {
        ResultRows.exec(plain, "insert into o_a (id, g, t) values (401, 5, 'dup'), (402, 5, 'dup'), (403, 7, 'dup')");
        ResultRows.exec(routed, "insert into o_a (id, g, t) values (401, 5, 'dup'), (402, 5, 'dup'), (403, 7, 'dup')");
        try {
            for (String sql : List.of(
                    "select count(*) from (select distinct g from o_a) x",
                    "select count(*) from (select distinct g, t from o_a) x",
                    "with d as (select distinct t from o_a) select count(*) from d",
                    "select x.g, count(*) from (select distinct g, t from o_a) x group by x.g order by x.g nulls first",
                    "select count(*) from (select distinct id, g from o_a) x",
                    "select sum(x.n) from (select g, count(*) n from o_a group by g) x",
                    "select id, sum(g) over w from o_a window w as (order by id) order by id",
                    "select id, sum(g) over w from o_a window w as (partition by id) order by id",
                    "select id, row_number() over w from o_a window w as (partition by t order by id) order by id",
                    "with recursive r as (select id, g from o_a where id = 1 union select o_a.id, o_a.g from o_a"
                            + " join r on o_a.id = r.g) select * from r order by id",
                    "select g from o_a where id < 400 group by g having count(*) > 1 order by g",
                    "select t, count(*) from o_a group by t having count(*) > 1 order by t")) {
                sameOrRefused(sql);
            }
        } finally {
            for (Connection c : List.of(plain, routed)) {
                ResultRows.exec(c, "delete from o_a where id in (401, 402, 403)");
            }
        }
    }

    /**
     * Probe: result set metadata of merged results (what Hibernate's native queries and Spring's
     * row mappers read to pick Java types) equals plain PostgreSQL's.
     */
    @Test
    void metadataOfMergedResultsIsPostgresMetadata() throws SQLException {
        for (String sql : List.of(
                "select count(*), sum(g), avg(g), max(t), min(id), stddev(g), bool_and(g > 0) from o_a",
                "select t, count(*) as n, avg(g) as a, sum(g) * 2 as s2, max(g) - min(g) as spread from o_a group by t"
                        + " order by t nulls first",
                "select count(distinct g), sum(distinct g), avg(distinct g) from o_a",
                "select string_agg(t, ',' order by id) from o_a",
                "select id, g from o_a order by g desc nulls last, id limit 3",
                "select distinct g from o_a order by g nulls first")) {
            assertThat(metadata(routed, sql)).as(sql).isEqualTo(metadata(plain, sql));
        }
    }

    private static List<String> metadata(Connection c, String sql) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql);
                ResultSet rs = ps.executeQuery()) {
            java.sql.ResultSetMetaData md = rs.getMetaData();
            List<String> out = new java.util.ArrayList<>();
            for (int i = 1; i <= md.getColumnCount(); i++) {
                out.add(md.getColumnLabel(i) + ":" + md.getColumnType(i) + ":" + md.getColumnTypeName(i) + ":"
                        + md.getColumnClassName(i) + ":" + md.getPrecision(i) + ":" + md.getScale(i));
            }
            return out;
        }
    }

    /**
     * Defect 8: {@code id = ?} on a bigint key bound with a non-integral number ({@code
     * setBigDecimal(4.5)}, {@code setDouble(4.5)}) failed with 22P02 "not a valid bigint shard key"
     * where PostgreSQL compares numerically and answers (no row). Such a value now names no shard.
     * With it, a probe of keys written or bound as other types than the key's (numeric literals,
     * BigDecimal, double, short, BigInteger, strings): answered as PostgreSQL answers, or both fail
     * (Strata with an SR state or PostgreSQL's own).
     */
    @Test
    void keysOfOtherTypesRouteAsPostgresCompares() throws SQLException {
        for (String sql : List.of(
                "select id, t from o_a where id = 4.0",
                "select id, t from o_a where id = 4.5",
                "select id, t from o_a where id in (4.0, 5, 7.00) order by id",
                "select id, t from o_a where id = '4'",
                "select id, t from o_a where id = 4::numeric",
                "select id, t from o_a where id = 4e0",
                "select k from o_t where k = 'alpha'::varchar",
                "select k from o_t where k = 'alpha '::char(6)")) {
            sameOrBothFail(sql);
        }
        String byParam = "select id, t from o_a where id = ? order by id";
        for (Object key : new Object[] {
            new java.math.BigDecimal("4.0"),
            new java.math.BigDecimal("4.5"),
            4.0d,
            4.5d,
            4.0f,
            (short) 4,
            java.math.BigInteger.valueOf(4),
            "4",
            4L,
            4
        }) {
            sameOrBothFail(byParam, key);
        }
        sameOrBothFail("select id, t from o_a where id in (?, ?) order by id", new java.math.BigDecimal("5.0"), 7.0d);
        sameOrBothFail(
                "select id, t from o_a where id in (?, ?, ?) order by id", 4.5d, 7L, new java.math.BigDecimal("1e30"));
        sameOrBothFail("select id, t from o_a where id = any(?) order by id", (Object)
                new java.math.BigDecimal[] {new java.math.BigDecimal("4.5"), new java.math.BigDecimal("5")});
        sameOrBothFail("select id from o_a where id = ?", Double.NaN);
        sameOrBothFail("select id from o_a where id = ?", java.math.BigInteger.TEN.pow(30));
        sameOrBothFail("select k from o_t where k = ?", 7);
    }

    private void sameOrBothFail(String sql, Object... params) throws SQLException {
        List<List<String>> expected;
        try {
            expected = rows(plain, sql, params);
        } catch (SQLException onPlain) {
            SQLException onStrata = catchSql(() -> rows(routed, sql, params));
            if (!onStrata.getSQLState().startsWith("SR")) {
                assertThat(onStrata.getSQLState())
                        .as(sql + " " + java.util.Arrays.toString(params))
                        .isEqualTo(onPlain.getSQLState());
            }
            return;
        }
        List<List<String>> actual;
        try {
            actual = rows(routed, sql, params);
        } catch (SQLException e) {
            assertThat(e.getSQLState())
                    .as(sql + " " + java.util.Arrays.toString(params) + ": " + e.getMessage())
                    .startsWith("SR");
            return;
        }
        assertThat(actual).as(sql + " " + java.util.Arrays.toString(params)).isEqualTo(expected);
    }

    /** Probe: merged ORDER BY / DISTINCT / GROUP BY over computed values of several types. */
    @Test
    void mergedOrderingOfComputedValuesIsPostgresOrdering() throws SQLException {
        for (String sql : List.of(
                "select distinct g::numeric(10, 2) from o_a order by 1 nulls first",
                "select distinct (g % 2 = 0) from o_a order by 1 nulls first",
                "select id, g::float8 / 7 from o_a order by 2 desc nulls last, id",
                "select t, count(*) from o_a group by t order by t desc nulls last",
                "select upper(t) u, id from o_a order by u nulls first, id",
                "select id from o_a order by t = 'alpha', id",
                "select id, g from o_a order by abs(g) desc nulls last, id limit 4 offset 1",
                "select date '2026-01-01' + g as d, id from o_a order by d nulls first, id",
                "select g / 3.0 as x, id from o_a order by x nulls first, id",
                "select g, count(*) from o_a group by g order by count(*) desc, g nulls first")) {
            sameOrRefused(sql);
        }
    }

    /**
     * Finding 9 (open, for the lead to decide; /work/notes/ormcheck.md): {@code sum} and {@code avg}
     * over {@code double precision} merged across shards differ from one database in the last
     * digits (4.142857142857142 vs 4.142857142857143): float addition depends on the order rows are
     * added in. The variance family over floats is refused for exactly that reason; sum/avg are
     * not. PostgreSQL's own answer depends on its scan order (and parallel plans), so the choice is
     * between refusing (SR001, cast to numeric) and documenting it.
     */
    @Test
    @org.junit.jupiter.api.Disabled("ormcheck finding 9: sum/avg over float8 across shards differ in the last digits")
    void floatSumsAcrossShardsAreExactOrRefused() throws SQLException {
        sameOrRefused("select sum(g::float8 / 7), avg(g::float8 / 7) from o_a");
    }

    /** Probe: writes whose values come from a subquery over a sharded table. */
    @Test
    void writesWithSubqueriesAreExactOrRefused() throws SQLException {
        List<String> writes = List.of(
                "insert into o_a (id, g, t) values (300, (select max(o_t.v) from o_t), 'x')",
                "insert into o_a (id, g, t) values (301, (select count(*) from o_a), 'y'), (302, 1, 'z')",
                "insert into o_a (id, g, t) select 303, max(o_t.v), 'w' from o_t",
                "update o_a set g = (select max(o_t.v) from o_t) where id = 4",
                "update o_a set g = g + 1 where id = 5 and g < (select count(*) from o_t)",
                "delete from o_a where id = 6 and exists (select 1 from o_t where o_t.v > 9)",
                "insert into o_a (id, g, t) values (304, 1, 'v') on conflict (id) do update set g = (select count(*)"
                        + " from o_t)");
        try {
            for (String sql : writes) {
                int answered;
                try (Statement st = routed.createStatement()) {
                    answered = st.executeUpdate(sql);
                } catch (SQLException e) {
                    assertThat(e.getSQLState()).as(sql + ": " + e.getMessage()).startsWith("SR");
                    continue; // refused: not run on the plain side either
                }
                try (Statement st = plain.createStatement()) {
                    assertThat(answered).as(sql).isEqualTo(st.executeUpdate(sql));
                }
                same("select id, g, t from o_a where id in (4, 5, 6) or id >= 300 order by id");
            }
        } finally {
            for (Connection c : List.of(plain, routed)) {
                ResultRows.exec(c, "delete from o_a where id in (300, 301, 302, 303, 304)");
            }
        }
    }

    private void sameOrRefused(String sql) throws SQLException {
        List<List<String>> expected = rows(plain, sql);
        List<List<String>> actual;
        try {
            actual = rows(routed, sql);
        } catch (SQLException e) {
            assertThat(e.getSQLState()).as(sql + ": " + e.getMessage()).startsWith("SR");
            return;
        }
        assertThat(actual).as(sql).isEqualTo(expected);
    }

    private interface SqlCall {
        void run() throws SQLException;
    }

    private static SQLException catchSql(SqlCall call) {
        try {
            call.run();
        } catch (SQLException e) {
            return e;
        }
        throw new AssertionError("expected an SQLException");
    }

    private void same(String sql, Object... params) throws SQLException {
        List<List<String>> expected = rows(plain, sql, params);
        List<List<String>> actual = rows(routed, sql, params);
        assertThat(actual).as(sql).isEqualTo(expected);
    }

    private static List<List<String>> rows(Connection c, String sql, Object... params) throws SQLException {
        return ResultRows.query(c, sql, params);
    }
}
