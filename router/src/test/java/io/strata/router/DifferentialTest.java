package io.strata.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.testkit.PgTopology;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The same schema and data in one plain PostgreSQL database and across 4 shards (through the
 * router, reads served by replicas); a corpus of hand-written and generated queries compared row
 * by row. Queries whose ORDER BY is total are compared in order; queries that order by a key with
 * ties compare that key's sequence in order and the whole rows as multisets.
 */
@ExtendWith(FourShards.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DifferentialTest {

    private static final String[] SCHEMA = {
        "create table d_users (id bigint primary key, name text, country text, score int,"
                + " balance numeric(12,2), created timestamp, active boolean)",
        "create table d_orders (id bigint not null, user_id bigint not null, amount numeric(10,2), status text,"
                + " qty int, primary key (user_id, id))",
        "create table d_countries (code text primary key, name text not null, region text)",
    };

    private static final String[] NAMES = {
        "ada", "bob", "cy", "dee", "eve", "fay", "gus", "hal", "Ivy", "jo", "Zed", "émile", "ünal", null
    };
    private static final String[] COUNTRIES = {"fr", "de", "us", "jp", "br", "ng", "in", null};
    private static final String[] STATUSES = {"new", "paid", "shipped", "void"};

    private ShardingDataSource router;
    private Connection plain;
    private Connection routed;
    private final List<String> failures = new ArrayList<>();
    private int compared;

    @BeforeAll
    void load(PgTopology topology) throws SQLException {
        router = FourShards.router(
                topology,
                b -> b.table(TableRule.sharded("d_users", "id", KeyType.LONG))
                        .table(TableRule.sharded("d_orders", "user_id", KeyType.LONG))
                        .table(TableRule.broadcast("d_countries")));
        try (Connection c = topology.shard(0).primary().connect();
                Statement st = c.createStatement()) {
            st.execute("drop database if exists plain");
            st.execute("create database plain");
        }
        plain = java.sql.DriverManager.getConnection(topology.shard(0).primary().jdbcUrl("plain"), "postgres", "");
        routed = router.getConnection();
        for (String ddl : SCHEMA) {
            exec(plain, ddl);
            exec(routed, ddl);
        }
        Random random = new Random(20261122);
        String countries = "insert into d_countries (code, name, region) values (?, ?, ?)";
        String[][] cs = {
            {"fr", "France", "eu"},
            {"de", "Germany", "eu"},
            {"us", "United States", "am"},
            {"jp", "Japan", "as"},
            {"br", "Brazil", "am"},
            {"ng", "Nigeria", "af"},
            {"in", "India", "as"}
        };
        for (Connection c : List.of(plain, routed)) {
            try (PreparedStatement ps = c.prepareStatement(countries)) {
                for (String[] row : cs) {
                    ps.setString(1, row[0]);
                    ps.setString(2, row[1]);
                    ps.setString(3, row[2]);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        }
        List<Object[]> users = new ArrayList<>();
        for (long id = 1; id <= 400; id++) {
            users.add(new Object[] {
                id,
                NAMES[random.nextInt(NAMES.length)],
                COUNTRIES[random.nextInt(COUNTRIES.length)],
                random.nextInt(10) == 0 ? null : random.nextInt(101),
                BigDecimal.valueOf(random.nextInt(2_000_000) - 500_000, 2),
                Timestamp.valueOf(LocalDateTime.of(2026, 1, 1, 0, 0).plusMinutes(random.nextInt(500_000))),
                random.nextBoolean()
            });
        }
        List<Object[]> orders = new ArrayList<>();
        long orderId = 1;
        for (Object[] u : users) {
            int n = random.nextInt(8);
            for (int i = 0; i < n; i++) {
                orders.add(new Object[] {
                    orderId++,
                    u[0],
                    random.nextInt(7) == 0 ? null : BigDecimal.valueOf(random.nextInt(100_000), 2),
                    STATUSES[random.nextInt(STATUSES.length)],
                    1 + random.nextInt(5)
                });
            }
        }
        for (Connection c : List.of(plain, routed)) {
            insertAll(
                    c,
                    "insert into d_users (id, name, country, score, balance, created, active)"
                            + " values (?, ?, ?, ?, ?, ?, ?)",
                    users);
            insertAll(c, "insert into d_orders (id, user_id, amount, status, qty) values (?, ?, ?, ?, ?)", orders);
        }
        FourShards.awaitReplicas(topology);
    }

    private static void insertAll(Connection c, String sql, List<Object[]> rows) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (Object[] row : rows) {
                for (int i = 0; i < row.length; i++) {
                    if (row[i] == null) {
                        ps.setNull(i + 1, java.sql.Types.NULL);
                    } else if (row[i] instanceof Long l) {
                        ps.setLong(i + 1, l);
                    } else if (row[i] instanceof Integer n) {
                        ps.setInt(i + 1, n);
                    } else {
                        ps.setObject(i + 1, row[i]);
                    }
                }
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    @AfterAll
    void close() throws SQLException {
        if (routed != null) {
            try {
                for (String t : List.of("d_orders", "d_users", "d_countries")) {
                    exec(routed, "drop table if exists " + t);
                }
            } finally {
                routed.close();
                plain.close();
                router.close();
            }
        }
    }

    /** How rows are compared. */
    private record Query(String sql, int tieKeyColumns) {}

    /** Total order: row by row. */
    private static Query exact(String sql) {
        return new Query(sql, -1);
    }

    /** Ordered by the first n columns with ties: those columns row by row, whole rows as multisets. */
    private static Query ties(String sql, int n) {
        return new Query(sql, n);
    }

    /** No order: multisets. */
    private static Query unordered(String sql) {
        return new Query(sql, 0);
    }

    private List<Query> corpus() {
        List<Query> q = new ArrayList<>();
        // ---- hand-written
        q.add(unordered("select * from d_users"));
        q.add(unordered("select * from d_orders"));
        q.add(exact("select * from d_users order by id"));
        q.add(exact("select * from d_users order by id desc limit 7"));
        q.add(exact("select * from d_users order by id limit 10 offset 395"));
        q.add(exact("select * from d_users order by id offset 390"));
        q.add(exact("select id, name from d_users order by name, id"));
        q.add(exact("select id, name from d_users order by name desc, id"));
        q.add(exact("select id, name from d_users order by name nulls first, id desc"));
        q.add(exact("select id, name from d_users order by name desc nulls last, id"));
        q.add(exact("select id, score from d_users order by score, id"));
        q.add(exact("select id, score from d_users order by score desc, id limit 25"));
        q.add(exact("select id, score from d_users order by score nulls first, id limit 30 offset 5"));
        q.add(exact("select id, country, score from d_users order by country desc nulls first, score, id"));
        q.add(ties("select score, id from d_users order by score desc nulls last", 1));
        q.add(ties("select country, name, id from d_users order by country", 1));
        q.add(ties("select name from d_users order by name desc", 1));
        q.add(ties("select active, id from d_users order by active", 1));
        q.add(exact("select id, balance from d_users order by balance desc, id limit 15"));
        q.add(exact("select id, created from d_users order by created, id limit 40"));
        q.add(exact("select id, created from d_users where created > '2026-06-01' order by created desc, id"));
        q.add(exact("select id, name, score + 1 as s1 from d_users where score is null order by id"));
        q.add(exact(
                "select u.id, u.name, upper(u.name) as un from d_users u where u.active order by 3 nulls first, 1"));
        q.add(exact("select count(*) from d_users"));
        q.add(exact("select count(*), count(score), count(name) from d_users"));
        q.add(exact("select sum(score), min(score), max(score), avg(score) from d_users"));
        q.add(exact("select sum(balance), avg(balance), min(balance), max(balance) from d_users"));
        q.add(exact("select min(name), max(name), min(created), max(created) from d_users"));
        q.add(exact("select count(*), sum(amount), avg(amount), avg(qty), sum(qty) from d_orders"));
        q.add(exact("select avg(score) from d_users where score > 1000"));
        q.add(exact("select count(*), sum(score) from d_users where id < 0"));
        q.add(exact("select country, count(*) from d_users group by country order by country"));
        q.add(exact("select country, count(*), avg(score), min(name), max(score) from d_users group by country"
                + " order by country nulls first"));
        q.add(exact("select country, count(*) as n from d_users group by country order by n desc, country"));
        q.add(exact("select name, country, count(*) from d_users group by name, country order by name, country"));
        q.add(exact("select status, sum(amount), count(*), avg(amount) from d_orders group by status order by 1"));
        q.add(exact("select status, sum(qty) from d_orders group by status order by sum(qty) desc, status"));
        q.add(exact("select status from d_orders group by status order by count(*) desc, status"));
        q.add(exact("select active, avg(balance) from d_users group by active order by active"));
        q.add(exact("select country, avg(score) from d_users group by country order by 2 desc nulls last, 1 limit 3"));
        q.add(exact("select country, count(*) from d_users group by 1 order by 2, 1 limit 4 offset 2"));
        q.add(exact("select count(*) from d_users group by country order by 1"));
        q.add(exact("select distinct country from d_users order by country"));
        q.add(exact("select distinct country from d_users order by country desc nulls last limit 3"));
        q.add(exact("select distinct name, active from d_users order by name, active"));
        q.add(exact("select distinct status from d_orders order by status offset 1"));
        q.add(unordered("select distinct score from d_users where score > 90"));
        q.add(exact("select distinct qty from d_orders order by qty desc"));
        q.add(exact("select u.id, u.name, o.id, o.amount from d_users u join d_orders o on o.user_id = u.id"
                + " order by o.id"));
        q.add(exact("select u.id, o.amount from d_users u join d_orders o on u.id = o.user_id"
                + " where o.amount > 900 order by o.amount desc, o.id limit 10"));
        q.add(exact("select u.country, count(*), sum(o.amount) from d_users u join d_orders o on o.user_id = u.id"
                + " group by u.country order by u.country"));
        q.add(exact("select u.id, c.name from d_users u join d_countries c on c.code = u.country"
                + " where u.score > 90 order by u.id"));
        q.add(exact("select c.region, count(*) from d_users u join d_countries c on c.code = u.country"
                + " group by c.region order by c.region"));
        q.add(exact("select u.id, c.name from d_users u left join d_countries c on c.code = u.country"
                + " order by u.id limit 50"));
        q.add(exact("select * from d_countries order by code"));
        q.add(exact("select region, count(*) from d_countries group by region order by region"));
        q.add(exact("select id, name from d_users where name like 'e%' order by id"));
        q.add(exact("select id from d_users where name in ('ada', 'bob') and score between 20 and 60 order by id"));
        q.add(exact("select id from d_users where country is null order by id desc"));
        q.add(exact("select max(id), min(id) from d_users where active"));
        q.add(exact("select count(*) from d_orders where status = 'void' and amount is null"));
        // ---- generated: key lookups (single shard and IN lists across shards)
        Random r = new Random(7);
        for (int i = 0; i < 30; i++) {
            long id = 1 + r.nextInt(420);
            q.add(exact("select * from d_users where id = " + id));
            q.add(exact("select o.id, o.amount, u.name from d_orders o join d_users u on u.id = o.user_id"
                    + " where o.user_id = " + id + " order by o.id"));
        }
        for (int i = 0; i < 20; i++) {
            StringBuilder in = new StringBuilder();
            int n = 2 + r.nextInt(8);
            for (int k = 0; k < n; k++) {
                in.append(k == 0 ? "" : ", ").append(1 + r.nextInt(410));
            }
            q.add(exact("select id, name, score from d_users where id in (" + in + ") order by score nulls first, id"));
            q.add(exact("select count(*), sum(amount) from d_orders where user_id in (" + in + ")"));
        }
        // ---- generated: filters + ORDER BY + LIMIT/OFFSET
        String[] orders = {
            "score desc nulls last, id",
            "name, id desc",
            "balance, id",
            "created desc, id",
            "country nulls first, name desc nulls last, id",
            "active, score, id"
        };
        for (int i = 0; i < 36; i++) {
            int lo = r.nextInt(80);
            int hi = lo + r.nextInt(40);
            String order = orders[i % orders.length];
            int limit = 1 + r.nextInt(30);
            int offset = r.nextInt(3) == 0 ? 0 : r.nextInt(60);
            q.add(exact("select id, name, country, score, balance, created, active from d_users where score between "
                    + lo + " and " + hi + " order by " + order + " limit " + limit
                    + (offset > 0 ? " offset " + offset : "")));
        }
        // ---- generated: aggregates with filters and GROUP BY
        String[] groups = {"country", "name", "active", "score % 5", "country, active"};
        for (int i = 0; i < 30; i++) {
            String g = groups[i % groups.length];
            int threshold = r.nextInt(100);
            q.add(exact("select " + g + ", count(*), sum(score), avg(score), min(balance), max(created)"
                    + " from d_users where score >= " + threshold + " group by " + g + " order by " + orderOf(g)));
        }
        for (int i = 0; i < 16; i++) {
            int qty = 1 + r.nextInt(5);
            q.add(exact("select status, count(*), sum(amount), avg(amount), max(amount) from d_orders where qty >= "
                    + qty + " group by status order by status"));
            q.add(exact("select user_id, sum(amount) from d_orders where qty = " + qty
                    + " group by user_id order by 2 desc nulls last, 1 limit 10"));
        }
        // ---- generated: DISTINCT
        for (int i = 0; i < 10; i++) {
            int threshold = r.nextInt(100);
            q.add(exact("select distinct country from d_users where score > " + threshold + " order by 1 nulls first"));
            q.add(exact("select distinct status, qty from d_orders where amount > " + (threshold * 7)
                    + " order by status, qty desc"));
        }
        return q;
    }

    private static String orderOf(String group) {
        StringBuilder sb = new StringBuilder();
        for (String g : group.split(",")) {
            sb.append(sb.length() == 0 ? "" : ", ").append(g.trim()).append(" nulls first");
        }
        return sb.toString();
    }

    @Test
    void scatteredQueriesReturnWhatOneDatabaseReturns() throws SQLException {
        List<Query> corpus = corpus();
        assertThat(corpus.size()).isGreaterThanOrEqualTo(200);
        for (Query q : corpus) {
            compare(q);
        }
        assertThat(failures).as("mismatches out of %d queries", compared).isEmpty();
        assertThat(compared).isEqualTo(corpus.size());
    }

    private void compare(Query q) throws SQLException {
        List<List<String>> expected;
        List<List<String>> actual;
        List<String> expectedLabels = new ArrayList<>();
        List<String> actualLabels = new ArrayList<>();
        try (Statement a = plain.createStatement();
                ResultSet rs = a.executeQuery(q.sql())) {
            expected = rows(rs, expectedLabels);
        }
        try (Statement b = routed.createStatement();
                ResultSet rs = b.executeQuery(q.sql())) {
            actual = rows(rs, actualLabels);
        } catch (SQLException | RuntimeException e) {
            failures.add(q.sql() + "\n    router failed: " + e);
            compared++;
            return;
        }
        compared++;
        if (!expectedLabels.equals(actualLabels)) {
            failures.add(q.sql() + "\n    labels " + expectedLabels + " vs " + actualLabels);
            return;
        }
        if (expected.size() != actual.size()) {
            failures.add(q.sql() + "\n    " + expected.size() + " rows vs " + actual.size());
            return;
        }
        if (q.tieKeyColumns() < 0) {
            for (int i = 0; i < expected.size(); i++) {
                if (!expected.get(i).equals(actual.get(i))) {
                    failures.add(q.sql() + "\n    row " + i + ": " + expected.get(i) + " vs " + actual.get(i));
                    return;
                }
            }
            return;
        }
        for (int i = 0; i < expected.size(); i++) {
            if (!expected.get(i)
                    .subList(0, q.tieKeyColumns())
                    .equals(actual.get(i).subList(0, q.tieKeyColumns()))) {
                failures.add(q.sql() + "\n    sort key at row " + i + ": " + expected.get(i) + " vs " + actual.get(i));
                return;
            }
        }
        Map<List<String>, Integer> bag = new HashMap<>();
        for (List<String> row : expected) {
            bag.merge(row, 1, Integer::sum);
        }
        for (List<String> row : actual) {
            bag.merge(row, -1, Integer::sum);
        }
        bag.values().removeIf(v -> v == 0);
        if (!bag.isEmpty()) {
            failures.add(q.sql() + "\n    multisets differ: " + bag);
        }
    }

    private static List<List<String>> rows(ResultSet rs, List<String> labels) throws SQLException {
        ResultSetMetaData md = rs.getMetaData();
        int n = md.getColumnCount();
        for (int c = 1; c <= n; c++) {
            labels.add(md.getColumnLabel(c));
        }
        List<List<String>> out = new ArrayList<>();
        while (rs.next()) {
            List<String> row = new ArrayList<>(n);
            for (int c = 1; c <= n; c++) {
                String s = rs.getString(c);
                row.add(rs.wasNull() ? "<null>" : s);
            }
            out.add(row);
        }
        return out;
    }
}
