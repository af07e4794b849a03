package io.strata.router.internal.reshard;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.jspecify.annotations.Nullable;

/**
 * Identifier quoting and one-value queries for the mover's own SQL. Values always travel as bind
 * parameters; only identifiers (table names from the table rules, publication and subscription
 * names made of {@code [a-z0-9_]}) and the subscription's connection string (DDL cannot bind it)
 * are written into the text, quoted.
 */
final class Sql {

    private Sql() {}

    /** A table or column name, quoted; {@code schema.table} quotes each part. */
    static String ident(String name) {
        StringBuilder out = new StringBuilder();
        for (String part : name.split("\\.", -1)) {
            if (out.length() > 0) {
                out.append('.');
            }
            out.append('"').append(part.replace("\"", "\"\"")).append('"');
        }
        return out.toString();
    }

    /** A SQL string literal (for DDL, which cannot take parameters). */
    static String literal(String value) {
        return "'" + value.replace("'", "''") + "'";
    }

    static void exec(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    static @Nullable String string(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    static long longValue(Connection c, String sql, Object... params) throws SQLException {
        String v = string(c, sql, params);
        return v == null ? 0 : Long.parseLong(v);
    }

    static boolean bool(Connection c, String sql, Object... params) throws SQLException {
        String v = string(c, sql, params);
        return "t".equals(v) || "true".equals(v);
    }

    static int update(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            return ps.executeUpdate();
        }
    }
}
