package io.strata.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.testkit.PgTopology;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Aggregates merged across shards (issue 17 item 4): the variance family, ordered string and array
 * aggregates, and arithmetic over merged aggregates of every type, each compared row by row
 * (labels, text, Java class) against one plain PostgreSQL holding the same rows, with NULLs, ties,
 * one-row groups, duplicates across shards and an empty table; or refused with an SR state.
 */
@ExtendWith(FourShards.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AggregateMergeTest {

    private static final String SCHEMA = "create table a_vals (id bigint primary key, g int, i int, s smallint,"
            + " l bigint, n numeric(12,3), f float8, r real, d date, ts timestamp, t text, b boolean)";
    /** Unconstrained numeric: values of different display scales, and one NaN (id 1000). */
    private static final String NUMBERS = "create table a_num (id bigint primary key, x numeric)";

    private static final String EMPTY = "create table a_empty (id bigint primary key, i int, n numeric, t text)";

    private ShardingDataSource router;
    private Connection plain;
    private Connection routed;

    @BeforeAll
    void load(PgTopology topology) throws SQLException {
        router = FourShards.router(
                topology,
                b -> b.table(TableRule.sharded("a_vals", "id", KeyType.LONG))
                        .table(TableRule.sharded("a_empty", "id", KeyType.LONG))
                        .table(TableRule.sharded("a_num", "id", KeyType.LONG)));
        try (Connection c = topology.shard(0).primary().connect();
                Statement st = c.createStatement()) {
            st.execute("drop database if exists plain_agg");
            st.execute("create database plain_agg");
        }
        plain = java.sql.DriverManager.getConnection(topology.shard(0).primary().jdbcUrl("plain_agg"), "postgres", "");
        routed = router.getConnection();
        for (Connection c : List.of(plain, routed)) {
            ResultRows.exec(c, SCHEMA);
            ResultRows.exec(c, EMPTY);
            ResultRows.exec(c, NUMBERS);
            Random rnd = new Random(42);
            try (PreparedStatement ps = c.prepareStatement("insert into a_num (id, x) values (?, ?)")) {
                for (long id = 1; id <= 60; id++) {
                    ps.setLong(1, id);
                    ps.setBigDecimal(2, BigDecimal.valueOf(rnd.nextLong() % 1_000_000_000_000L, rnd.nextInt(9)));
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            ResultRows.exec(c, "insert into a_num (id, x) values (1000, 'NaN')");
        }
        Random random = new Random(20261130);
        String[] words = {"a", "b", "b", "c", "d e", "\"q\"", "x,y", "", "NULL", "é", null};
        String insert = "insert into a_vals (id, g, i, s, l, n, f, r, d, ts, t, b)"
                + " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
        for (Connection c : List.of(plain, routed)) {
            Random rnd = new Random(20261130);
            try (PreparedStatement ps = c.prepareStatement(insert)) {
                for (long id = 1; id <= 90; id++) {
                    // group 7 holds one row, group 8 only NULL values; others several, spread over shards
                    int g = id == 90 ? 7 : id >= 85 ? 8 : 1 + rnd.nextInt(6);
                    boolean nulls = g == 8 || rnd.nextInt(8) == 0;
                    ps.setLong(1, id);
                    ps.setInt(2, g);
                    setOrNull(ps, 3, nulls ? null : rnd.nextInt(2001) - 1000);
                    setOrNull(ps, 4, nulls ? null : (short) (rnd.nextInt(200) - 100));
                    setOrNull(ps, 5, nulls ? null : (long) rnd.nextInt(1_000_000) * 1_000_003L);
                    setOrNull(ps, 6, nulls ? null : BigDecimal.valueOf(rnd.nextInt(2_000_000) - 1_000_000, 3));
                    setOrNull(ps, 7, nulls ? null : rnd.nextInt(1000) / 8.0);
                    setOrNull(ps, 8, nulls ? null : (float) (rnd.nextInt(1000) / 4.0));
                    setOrNull(
                            ps,
                            9,
                            nulls
                                    ? null
                                    : java.sql.Date.valueOf(
                                            java.time.LocalDate.of(2026, 1, 1).plusDays(rnd.nextInt(400))));
                    setOrNull(
                            ps,
                            10,
                            nulls
                                    ? null
                                    : java.sql.Timestamp.valueOf(java.time.LocalDateTime.of(2026, 1, 1, 0, 0)
                                            .plusSeconds(rnd.nextInt(40_000_000))));
                    setOrNull(ps, 11, nulls ? null : words[rnd.nextInt(words.length)]);
                    setOrNull(ps, 12, nulls ? null : rnd.nextBoolean());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        }
        FourShards.awaitReplicas(topology);
    }

    private static void setOrNull(PreparedStatement ps, int i, Object v) throws SQLException {
        if (v == null) {
            ps.setNull(i, java.sql.Types.NULL);
        } else {
            ps.setObject(i, v);
        }
    }

    @AfterAll
    void close() throws SQLException {
        ResultRows.dropAndClose(routed, plain, router, List.of("a_vals", "a_empty", "a_num"));
    }

    /** A statement and whether the router may refuse it (SR state) instead of answering it. */
    private record Query(String sql, boolean mayReject) {}

    private static Query exact(String sql) {
        return new Query(sql, false);
    }

    private static Query refusedOrExact(String sql) {
        return new Query(sql, true);
    }

    /** Issue 17 item 4: STDDEV/VARIANCE merged exactly from count, sum and sum of squares in numeric. */
    private static List<Query> varianceCorpus() {
        List<Query> q = new ArrayList<>();
        q.add(exact("select stddev(i), variance(i), stddev_pop(i), var_pop(i), stddev_samp(n), var_samp(n),"
                + " stddev(s), variance(l) from a_vals"));
        q.add(exact("select g, stddev(n), var_pop(n), stddev_pop(i) filter (where b), var_samp(l) from a_vals"
                + " group by g order by g"));
        q.add(exact("select g, stddev_samp(i), var_samp(i), stddev_pop(n), var_pop(s) from a_vals group by g"
                + " order by g"));
        q.add(exact("select g, stddev(n) as sd from a_vals group by g order by stddev(i) desc nulls last, g"));
        q.add(exact("select g from a_vals group by g having variance(i) > 1000 order by g"));
        q.add(exact("select stddev(n) * 2, variance(i) / count(*), var_pop(l) - 1 from a_vals"));
        // one row: the sample forms are NULL, the population forms 0; no rows: all NULL
        q.add(exact("select stddev(i), stddev_pop(i), variance(n), var_pop(n) from a_vals where id = 90"));
        q.add(exact("select stddev(i), var_pop(i), stddev_pop(n), variance(n) from a_empty"));
        q.add(exact("select t, stddev(i), var_pop(n) from a_empty group by t"));
        q.add(exact("select stddev(i) filter (where id < 0), var_pop(n) filter (where g = 7) from a_vals"));
        // equal values: 0 with numeric's scale rules
        q.add(exact("select stddev(i), variance(n) from a_vals where g = 8 or id = 90"));
        q.add(exact("select g, stddev(i * 0 + 5), var_pop(n * 0) from a_vals group by g order by g"));
        // unconstrained numeric of mixed display scales; NaN makes every deviation NaN
        q.add(exact("select stddev(x), variance(x), stddev_pop(x), var_pop(x) from a_num where id < 1000"));
        q.add(exact("select id % 4, stddev(x), var_pop(x) from a_num where id < 1000 group by 1 order by 1"));
        q.add(exact("select id % 7 as k, stddev_pop(x * 1000), variance(x / 3) from a_num where id < 1000"
                + " group by 1 order by 1"));
        q.add(exact("select stddev(x), var_pop(x), count(*) from a_num"));
        q.add(exact("select stddev(x) from a_num where id = 1000 or id = 1"));
        // float input: PostgreSQL's float result depends on row order; refused
        q.add(refusedOrExact("select stddev(f) from a_vals"));
        q.add(refusedOrExact("select variance(r), g from a_vals group by g order by g"));
        q.add(refusedOrExact("select stddev(distinct i) from a_vals"));
        return q;
    }

    /**
     * Arithmetic, comparisons and casts over merged aggregates of every type (the {@code MAX(d) -
     * MIN(d)} defect and its class): exact with PostgreSQL's result type, or refused with an SR
     * state before any row is returned; where PostgreSQL raises, the router raises the same state.
     */
    private static List<Query> expressionCorpus() {
        List<Query> q = new ArrayList<>();
        q.add(exact("select max(d) - min(d) from a_vals"));
        q.add(exact("select max(d) - min(d) as span, g from a_vals group by g order by span desc, g"));
        q.add(exact("select g, max(d) - 1 from a_vals group by g order by max(d) - min(d), g"));
        q.add(exact("select max(d) + 1, max(d) - 30, 3 + min(d) from a_vals"));
        q.add(exact("select count(*) from a_vals having max(d) > min(d)"));
        q.add(exact("select g from a_vals group by g having max(d) - min(d) > 360 order by g"));
        q.add(exact("select max(i) - min(i), max(s) * 2, max(s) * max(s), -max(s), min(s) / 3 from a_vals"));
        q.add(exact("select g, min(i) - max(s), max(s) - min(s) from a_vals group by g order by g"));
        q.add(exact("select max(i) * 10000000 from a_vals"));
        q.add(exact("select max(s) * 1000 from a_vals"));
        q.add(exact("select max(s) * max(s) * max(s) from a_vals"));
        q.add(exact("select max(l) * max(l) from a_vals"));
        q.add(exact(
                "select max(r) * 2, max(r) / 3, max(r) * max(r), max(f) * max(r), avg(r), sum(r) * 1.5 from a_vals"));
        q.add(exact("select max(f) - min(f), avg(f) * 3, sum(f) / count(*), max(f) > 100 from a_vals"));
        q.add(exact("select sum(l) / 7, avg(i) * 2, sum(i) - count(*), max(l) * 10, sum(s) * 2 from a_vals"));
        q.add(exact("select max(n) - min(n), max(n) / 3, avg(n) + 1, max(n) > 100.5, max(f) > max(n) from a_vals"));
        q.add(exact("select g, avg(n) / avg(i), sum(n) * 1.5, min(n) - 0.0001 from a_vals group by g order by g"));
        q.add(exact("select count(*) filter (where b) * 100 / count(*), sum(i) filter (where b) / 2 from a_vals"));
        q.add(exact("select max(i) / 0 from a_vals"));
        q.add(exact("select max(f) / 0 from a_vals"));
        q.add(exact("select max(n) / 0 from a_vals"));
        q.add(exact("select max(i) + null, null - min(s), max(d) - null from a_vals"));
        q.add(exact("select g, bool_and(b) and max(i) > 0, not bool_or(b) from a_vals group by g order by g"));
        q.add(exact("select count(*) from a_vals having max(d) > 5"));
        q.add(exact("select max(ts) - 1 from a_vals"));
        // not computed after the merge: refused (SR) before any row
        q.add(refusedOrExact("select g, max(ts) - min(ts) from a_vals group by g order by g"));
        q.add(refusedOrExact("select max(ts) > min(ts) from a_vals"));
        q.add(refusedOrExact("select max(t) || 'x' from a_vals"));
        q.add(refusedOrExact("select max(t) > min(t) from a_vals"));
        q.add(refusedOrExact("select coalesce(max(i), 0) from a_vals"));
        q.add(refusedOrExact("select cast(max(i) as numeric) / 3 from a_vals"));
        q.add(refusedOrExact("select max(i)::text from a_vals"));
        q.add(refusedOrExact("select g from a_vals group by g having max(ts) - min(ts) > interval '300 days'"));
        q.add(refusedOrExact("select max(d) - min(ts) from a_vals"));
        q.add(refusedOrExact("select max(d) + max(i) from a_vals"));
        return q;
    }

    /**
     * string_agg with an ORDER BY inside the call merged exactly; ties between different values,
     * no ORDER BY, DISTINCT and the other collecting aggregates refused.
     */
    private static List<Query> stringAggCorpus() {
        List<Query> q = new ArrayList<>();
        q.add(exact("select string_agg(t, ',' order by id) from a_vals"));
        q.add(exact("select string_agg(t, ', ' order by id desc) from a_vals where g = 2"));
        q.add(exact("select g, string_agg(t, '|' order by i nulls first, id), count(*) from a_vals group by g"
                + " order by g"));
        q.add(exact("select g, string_agg(t, '' order by t, id) as ts from a_vals group by g order by ts, g"));
        q.add(exact("select string_agg(t, ';' order by d desc nulls last, ts, id) from a_vals"));
        q.add(exact("select string_agg(cast(i as text), ',' order by i) from a_vals"));
        q.add(exact("select string_agg(t, 'it''s' order by id) from a_vals where g = 3"));
        q.add(exact("select g, string_agg(t, ',' order by id) from a_vals where g >= 7 group by g order by g"));
        q.add(exact("select string_agg(t, ',' order by id) from a_vals where id = 90"));
        q.add(exact("select string_agg(t, ',' order by id), count(*) from a_empty"));
        q.add(exact("select string_agg(t, ',' order by t) from a_vals"));
        q.add(exact("select g, string_agg(t, ',' order by t desc nulls first) from a_vals group by g order by 1"));
        // ties between different values, no ORDER BY, DISTINCT, other collecting aggregates: refused
        q.add(refusedOrExact("select string_agg(t, ',' order by g) from a_vals"));
        q.add(refusedOrExact("select string_agg(t, ',') from a_vals"));
        q.add(refusedOrExact("select string_agg(distinct t, ',' order by t) from a_vals"));
        q.add(refusedOrExact("select string_agg(t, ',' order by id) filter (where b) from a_vals"));
        q.add(refusedOrExact("select string_agg(t, t order by id) from a_vals"));
        q.add(refusedOrExact("select array_agg(i order by id) from a_vals"));
        q.add(refusedOrExact("select array_agg(i) from a_vals"));
        q.add(refusedOrExact("select json_agg(t order by id) from a_vals"));
        q.add(refusedOrExact("select jsonb_agg(i order by id) from a_vals"));
        return q;
    }

    @Test
    void stringAggWithOrderByMergesExactly() throws SQLException {
        assertThat(compareAll(stringAggCorpus())).isEmpty();
    }

    @Test
    void varianceFamilyMergesExactly() throws SQLException {
        assertThat(compareAll(varianceCorpus())).isEmpty();
    }

    @Test
    void arithmeticOverMergedAggregatesIsExactOrRefused() throws SQLException {
        assertThat(compareAll(expressionCorpus())).isEmpty();
    }

    /** A statement with its parameters bound by one setter each, as an ORM binds them. */
    private record Bound(String sql, boolean mayReject, Binder binder) {}

    @FunctionalInterface
    private interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    /**
     * HAVING and arithmetic over merged aggregates with bind parameters ({@code having count(*) > ?}),
     * as jOOQ and Hibernate send literals: typed per execution as pgjdbc binds them, compared with
     * one PostgreSQL given the same setters; parameters before and after the HAVING keep their order.
     */
    @Test
    void havingAndAggregateArithmeticWithBindParametersMergeExactly() throws SQLException {
        List<Bound> q = new ArrayList<>();
        q.add(new Bound(
                "select g, count(*) from a_vals group by g having count(*) > ? order by g",
                false,
                ps -> ps.setInt(1, 9)));
        q.add(new Bound(
                "select g, count(*) from a_vals group by g having count(*) > ? order by g",
                false,
                ps -> ps.setLong(1, 9L)));
        q.add(new Bound(
                "select g from a_vals group by g having sum(i) >= ? order by g",
                false,
                ps -> ps.setBigDecimal(1, new java.math.BigDecimal("1500.5"))));
        q.add(new Bound(
                "select g from a_vals group by g having avg(n) < ? order by g", false, ps -> ps.setDouble(1, 50.25)));
        q.add(new Bound(
                "select g from a_vals group by g having max(i) - min(i) > ? order by g",
                false,
                ps -> ps.setObject(1, 100)));
        q.add(new Bound(
                "select g from a_vals where g > ? group by g having count(*) between ? and ? order by g", false, ps -> {
                    ps.setInt(1, 1);
                    ps.setLong(2, 8L);
                    ps.setLong(3, 12L);
                }));
        q.add(new Bound(
                "select g, sum(i) * ? as scaled from a_vals where id > ? group by g having count(*) > ? order by g",
                false,
                ps -> {
                    ps.setInt(1, 3);
                    ps.setInt(2, 5);
                    ps.setInt(3, 2);
                }));
        q.add(new Bound("select g from a_vals group by g having sum(i) not between ? and ? order by g", false, ps -> {
            ps.setLong(1, 100L);
            ps.setLong(2, 2000L);
        }));
        q.add(new Bound(
                "select g from a_vals group by g having count(*) between 9 and 11 order by g", false, ps -> {}));
        q.add(new Bound(
                "select count(*) from a_vals having count(*) > ?", false, ps -> ps.setNull(1, java.sql.Types.BIGINT)));
        q.add(new Bound(
                "select g from a_vals group by g having bool_or(b) = ? order by g",
                false,
                ps -> ps.setBoolean(1, true)));
        q.add(new Bound(
                "select g, max(i) * ? from a_vals group by g order by g", false, ps -> ps.setInt(1, 100000000)));
        // a string's type PostgreSQL infers from the context: refused, or PostgreSQL's own error
        q.add(new Bound(
                "select g from a_vals group by g having count(*) > ? order by g", true, ps -> ps.setString(1, "9")));
        List<String> failures = new ArrayList<>();
        for (Bound b : q) {
            String expected = outcome(plain, b);
            String actual = outcome(routed, b);
            boolean sameError = expected.startsWith("ERROR ")
                    && actual.startsWith("ERROR ")
                    && expected.substring(0, 11).equals(actual.substring(0, 11));
            boolean allowedRefusal = b.mayReject() && actual.startsWith("ERROR SR");
            if (!expected.equals(actual) && !sameError && !allowedRefusal) {
                failures.add(b.sql() + "\n    plain:  " + expected + "\n    routed: " + actual);
            }
        }
        assertThat(failures).isEmpty();
    }

    private static String outcome(Connection c, Bound b) {
        try (PreparedStatement ps = c.prepareStatement(b.sql())) {
            b.binder().bind(ps);
            try (ResultSet rs = ps.executeQuery()) {
                return ResultRows.labelledRows(rs).toString();
            }
        } catch (SQLException e) {
            return "ERROR " + e.getSQLState() + " " + e.getMessage();
        }
    }

    private List<String> compareAll(List<Query> corpus) {
        List<String> failures = new ArrayList<>();
        int refused = 0;
        for (Query q : corpus) {
            String expected = outcome(plain, q.sql());
            String actual = outcome(routed, q.sql());
            if (expected.equals(actual)) {
                continue;
            }
            if (actual.startsWith("ERROR SR")) {
                if (q.mayReject()) {
                    refused++;
                    System.out.println("refused as allowed: " + q.sql() + " -> "
                            + actual.lines().findFirst().orElse(""));
                } else {
                    failures.add(q.sql() + "\n    refused: " + actual);
                }
                continue;
            }
            // the same error as PostgreSQL: the same SQLState
            if (expected.startsWith("ERROR ")
                    && actual.startsWith("ERROR ")
                    && expected.substring(0, 11).equals(actual.substring(0, 11))) {
                continue;
            }
            failures.add(q.sql() + "\n    plain:  " + expected + "\n    routed: " + actual);
        }
        System.out.printf(
                "AggregateMergeTest: %d statements, %d refused with SR states, %d mismatches%n",
                corpus.size(), refused, failures.size());
        return failures;
    }

    private static String outcome(Connection c, String sql) {
        try {
            return rows(c, sql).toString();
        } catch (SQLException e) {
            return "ERROR " + e.getSQLState() + " " + e.getMessage();
        } catch (RuntimeException e) {
            java.io.StringWriter w = new java.io.StringWriter();
            e.printStackTrace(new java.io.PrintWriter(w));
            return "EXCEPTION " + w.toString().lines().limit(6).collect(java.util.stream.Collectors.joining(" / "));
        }
    }

    private static List<List<String>> rows(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            return ResultRows.labelledRows(rs);
        }
    }
}
