package io.strata.router;

import java.sql.Connection;
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

    /** Runs one statement. */
    static void exec(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }
}
