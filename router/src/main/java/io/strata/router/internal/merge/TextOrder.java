package io.strata.router.internal.merge;

import io.strata.router.internal.SqlStates;
import io.strata.router.internal.plan.Planner;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.sql.DataSource;

/**
 * Whether the merge may order and compare text the way the shards do.
 *
 * <p>The merge ({@link PgOrder}) orders text by Unicode code point, which is PostgreSQL's order
 * under the {@code C} collation only. A shard whose database collation is another one (a libc
 * locale such as {@code en_US.UTF-8}, or ICU), or a table column declared with another
 * collation, orders text differently: merging its sorted rows by code point would return rows
 * in an order (and, under LIMIT or MIN/MAX, rows) that one database would not. So every scattered
 * ORDER BY / MIN / MAX over a text column is refused ({@code SR001}) unless all shards order text
 * by code point; GROUP BY / DISTINCT over text is refused only where a column has a
 * non-default collation (only those can be nondeterministic: equal without equal bytes).
 *
 * <p>Checked on first use, once per data source, and again after DDL through the router.
 */
public final class TextOrder {

    /** Collations that order text by code point in every PostgreSQL encoding Strata supports. */
    private static final Set<String> CODE_POINT = Set.of("c", "posix", "ucs_basic", "c.utf-8", "c.utf8");

    /** Null when text merges are exact; else why not (a shard and its collation). */
    final String orderProblem;
    /** Null when text equality is byte equality on every shard; else why not. */
    final String equalityProblem;

    private TextOrder(String orderProblem, String equalityProblem) {
        this.orderProblem = orderProblem;
        this.equalityProblem = equalityProblem;
    }

    /** Reads each shard's database collation and any column declared with another collation. */
    public static TextOrder check(List<String> names, List<DataSource> shards) throws SQLException {
        String order = null;
        String equality = null;
        for (int s = 0; s < shards.size() && (order == null || equality == null); s++) {
            try (Connection c = shards.get(s).getConnection();
                    Statement st = c.createStatement()) {
                // to_jsonb reads the provider columns where they exist (PostgreSQL 15+) and null before.
                try (ResultSet rs =
                        st.executeQuery("select to_jsonb(d) ->> 'datcollate', to_jsonb(d) ->> 'datlocprovider',"
                                + " coalesce(to_jsonb(d) ->> 'datlocale', to_jsonb(d) ->> 'daticulocale')"
                                + " from pg_database d where d.datname = current_database()")) {
                    if (rs.next() && order == null) {
                        String collate = rs.getString(1);
                        String provider = rs.getString(2);
                        String locale = rs.getString(3);
                        boolean codePoint = provider == null || provider.equals("c")
                                ? isCodePoint(collate)
                                : provider.equals("b") && isCodePoint(locale);
                        if (!codePoint) {
                            order = "shard '" + names.get(s) + "' orders text by the database collation '"
                                    + (provider != null && !provider.equals("c") ? locale : collate) + "'";
                        }
                    }
                }
                try (ResultSet rs = st.executeQuery("select n.nspname, c.relname, a.attname, co.collname"
                        + " from pg_attribute a join pg_class c on c.oid = a.attrelid"
                        + " join pg_namespace n on n.oid = c.relnamespace join pg_collation co on co.oid = a.attcollation"
                        + " where a.attnum > 0 and not a.attisdropped and c.relkind in ('r', 'p', 'v', 'm', 'f')"
                        + " and n.nspname not in ('pg_catalog', 'information_schema')"
                        + " and n.nspname not like 'pg\\_%'"
                        + " and lower(co.collname) not in ('default', 'c', 'posix', 'ucs_basic', 'c.utf-8', 'c.utf8')"
                        + " limit 1")) {
                    if (rs.next()) {
                        String why = "column " + rs.getString(1) + "." + rs.getString(2) + "." + rs.getString(3)
                                + " on shard '" + names.get(s) + "' has the collation '" + rs.getString(4) + "'";
                        order = order == null ? why : order;
                        equality = equality == null ? why : equality;
                    }
                }
            }
        }
        return new TextOrder(order, equality);
    }

    private static boolean isCodePoint(String collation) {
        return collation != null && CODE_POINT.contains(collation.toLowerCase(Locale.ROOT));
    }

    /** Whether a result column holds text under a collation (text, varchar, char(n), name). */
    static boolean isText(java.sql.ResultSetMetaData md, int column) throws SQLException {
        String type = md.getColumnTypeName(column);
        if (type == null) {
            return false;
        }
        String t = Planner.unquote(type).toLowerCase(Locale.ROOT);
        return t.equals("text") || t.equals("varchar") || t.equals("bpchar") || t.equals("name");
    }

    /** Refuses ({@code SR001}) a scattered {@code use} (ORDER BY, MIN, MAX) of a text column when not exact. */
    void requireOrdered(java.sql.ResultSetMetaData md, int column, String use) throws SQLException {
        if (orderProblem != null && isText(md, column)) {
            throw new SQLException(
                    "Strata: " + use + " across shards on the text column '" + md.getColumnLabel(column)
                            + "' is not supported: the merge orders text by code point (COLLATE \"C\") but "
                            + orderProblem + ". Query one shard (add the shard key), sort in the application,"
                            + " or run the shards with a C collation.",
                    SqlStates.SHAPE_NOT_SUPPORTED);
        }
    }

    /** Refuses ({@code SR001}) to group or de-duplicate text across shards under a column collation. */
    void requireGroupable(java.sql.ResultSetMetaData md, int column) throws SQLException {
        if (equalityProblem != null && isText(md, column)) {
            throw new SQLException(
                    "Strata: GROUP BY / DISTINCT across shards on the text column '" + md.getColumnLabel(column)
                            + "' is not supported: " + equalityProblem
                            + ", whose equality the merge cannot reproduce. Query one shard (add the shard key).",
                    SqlStates.SHAPE_NOT_SUPPORTED);
        }
    }
}
