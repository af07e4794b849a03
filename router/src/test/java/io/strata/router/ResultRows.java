package io.strata.router;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Results as the differential tests compare them, Strata's against one plain PostgreSQL's: every
 * value as its text and the class of its {@code getObject} (an application casting it must get
 * what PostgreSQL gives), {@code <null>} for SQL NULL.
 */
final class ResultRows {

    private ResultRows() {}

    /** The rows of {@code rs}; its column labels are added to {@code labels}. */
    static List<List<String>> rows(ResultSet rs, List<String> labels) throws SQLException {
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
                Object o = rs.getObject(c);
                row.add(rs.wasNull() ? "<null>" : s + "::" + o.getClass().getSimpleName());
            }
            out.add(row);
        }
        return out;
    }

    /** The column labels of {@code rs} as the first row, then its rows. */
    static List<List<String>> labelledRows(ResultSet rs) throws SQLException {
        List<String> labels = new ArrayList<>();
        List<List<String>> rows = rows(rs, labels);
        List<List<String>> out = new ArrayList<>(rows.size() + 1);
        out.add(labels);
        out.addAll(rows);
        return out;
    }

    /** Runs {@code sql} prepared, with {@code params} bound by setObject: its labels, then its rows. */
    static List<List<String>> query(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return labelledRows(rs);
            }
        }
    }

    /** Runs one statement. */
    static void exec(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    /** Inserts {@code rows} with one batch of {@code sql} (a Long or Integer bound as such, null as NULL). */
    static void insertAll(Connection c, String sql, List<Object[]> rows) throws SQLException {
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

    /**
     * A differential test's clean-up: drops {@code tables} through the routed connection, then
     * closes it, the plain connection and the router; nothing when set-up never opened them.
     */
    static void dropAndClose(Connection routed, Connection plain, ShardingDataSource router, List<String> tables)
            throws SQLException {
        if (routed == null) {
            return;
        }
        try {
            for (String t : tables) {
                exec(routed, "drop table if exists " + t);
            }
        } finally {
            routed.close();
            plain.close();
            router.close();
        }
    }

    /**
     * A fresh plain database {@code name} on shard 0's primary, opened: the single-server copy a
     * differential test compares the router with.
     */
    static Connection plainDatabase(io.strata.testkit.PgTopology topology, String name) throws SQLException {
        io.strata.testkit.PgServer server = topology.shard(0).primary();
        try (Connection c = server.connect();
                java.sql.Statement st = c.createStatement()) {
            st.execute("drop database if exists " + name);
            st.execute("create database " + name);
        }
        return java.sql.DriverManager.getConnection(server.jdbcUrl(name), server.user(), "");
    }

    /**
     * Drops {@code tables} through the router, then runs {@code schema} and {@code rows} on the
     * plain copy and through the router alike.
     */
    static void loadBoth(Connection plain, Connection routed, List<String> tables, String[] schema, String[] rows)
            throws SQLException {
        for (String t : tables) {
            exec(routed, "drop table if exists " + t);
        }
        for (Connection c : List.of(plain, routed)) {
            for (String sql : schema) {
                exec(c, sql);
            }
            for (String sql : rows) {
                exec(c, sql);
            }
        }
    }
}
