package io.strata.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.testkit.PgTopology;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The 22 TPC-H queries ({@code tpch/queries.sql}) on a schema sharded by customer key (customer by
 * c_custkey, orders by o_custkey, lineitem by the l_custkey it carries; nation, region, part,
 * supplier and partsupp broadcast) over 4 shards, against one plain PostgreSQL holding the same
 * rows ({@link TpchData}). Every answered query must equal the single database's answer row by row
 * (every query orders totally); a refusal must carry an SR SQLState and is listed.
 */
@ExtendWith(FourShards.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TpchDifferentialTest {

    /** Answered today; the test fails if fewer are. */
    static final int ANSWERED_AT_LEAST = 19;

    private ShardingDataSource router;
    private Connection plain;
    private Connection routed;

    @BeforeAll
    void load(PgTopology topology) throws SQLException {
        router = FourShards.router(
                topology,
                b -> b.table(TableRule.sharded("customer", "c_custkey", KeyType.LONG))
                        .table(TableRule.sharded("orders", "o_custkey", KeyType.LONG))
                        .table(TableRule.sharded("lineitem", "l_custkey", KeyType.LONG))
                        .table(TableRule.broadcast("nation"))
                        .table(TableRule.broadcast("region"))
                        .table(TableRule.broadcast("part"))
                        .table(TableRule.broadcast("supplier"))
                        .table(TableRule.broadcast("partsupp")));
        try (Connection c = topology.shard(0).primary().connect();
                Statement st = c.createStatement()) {
            st.execute("drop database if exists tpch");
            st.execute("create database tpch");
        }
        plain = java.sql.DriverManager.getConnection(topology.shard(0).primary().jdbcUrl("tpch"), "postgres", "");
        routed = router.getConnection();
        TpchData.drop(routed);
        TpchData.create(plain);
        TpchData.create(routed);
        TpchData.load(List.of(plain, routed));
        FourShards.awaitReplicas(topology);
    }

    @AfterAll
    void close() throws SQLException {
        if (routed != null) {
            try {
                TpchData.drop(routed);
            } finally {
                routed.close();
                plain.close();
                router.close();
            }
        }
    }

    /** The queries of tpch/queries.sql by name (Q1..Q22), comments removed. */
    static Map<String, String> queries() throws IOException {
        String text;
        try (InputStream in = TpchDifferentialTest.class.getResourceAsStream("/tpch/queries.sql")) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Map<String, String> out = new LinkedHashMap<>();
        String name = null;
        StringBuilder sql = new StringBuilder();
        for (String line : text.split("\n")) {
            if (line.matches("-- Q\\d+\\s*")) {
                name = line.substring(3).trim();
                sql.setLength(0);
                continue;
            }
            int comment = line.indexOf("--");
            String code = comment >= 0 ? line.substring(0, comment) : line;
            if (name == null || code.isBlank()) {
                continue;
            }
            sql.append(sql.length() == 0 ? "" : "\n").append(code.stripTrailing());
            if (code.stripTrailing().endsWith(";")) {
                out.put(name, sql.substring(0, sql.length() - 1));
                name = null;
            }
        }
        return out;
    }

    @Test
    void tpchQueriesAnswerExactlyOrAreRefused() throws Exception {
        Map<String, String> queries = queries();
        assertThat(queries).hasSize(22);
        List<String> mismatches = new ArrayList<>();
        List<String> answered = new ArrayList<>();
        Map<String, String> refused = new LinkedHashMap<>();
        Map<String, Integer> rowCounts = new LinkedHashMap<>();
        for (Map.Entry<String, String> q : queries.entrySet()) {
            List<List<String>> expected = rows(plain, q.getValue());
            rowCounts.put(q.getKey(), expected.size() - 1);
            List<List<String>> actual;
            try {
                actual = rows(routed, q.getValue());
            } catch (SQLException e) {
                if (e.getSQLState() != null && e.getSQLState().startsWith("SR")) {
                    refused.put(q.getKey(), e.getSQLState() + " " + e.getMessage());
                } else {
                    mismatches.add(q.getKey() + ": failed without an SR state: " + e);
                }
                continue;
            }
            if (!expected.equals(actual)) {
                mismatches.add(q.getKey() + ": expected " + expected + "\n    but was " + actual);
            } else {
                answered.add(q.getKey());
            }
        }
        System.out.printf(
                "TPC-H: %d of 22 answered exactly %s; rows per query %s; refused:%n",
                answered.size(), answered, rowCounts);
        refused.forEach((k, v) -> System.out.printf("  %s: %s%n", k, v));
        assertThat(mismatches).isEmpty();
        assertThat(answered.size()).isGreaterThanOrEqualTo(ANSWERED_AT_LEAST);
    }

    /** Labels first, then each row's values as text (NULL as {@code <null>}). */
    private static List<List<String>> rows(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            ResultSetMetaData md = rs.getMetaData();
            int n = md.getColumnCount();
            List<List<String>> out = new ArrayList<>();
            List<String> labels = new ArrayList<>();
            for (int i = 1; i <= n; i++) {
                labels.add(md.getColumnLabel(i));
            }
            out.add(labels);
            while (rs.next()) {
                List<String> row = new ArrayList<>(n);
                for (int i = 1; i <= n; i++) {
                    String s = rs.getString(i);
                    row.add(rs.wasNull() ? "<null>" : s);
                }
                out.add(row);
            }
            return out;
        }
    }
}
