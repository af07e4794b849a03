package io.strata.orm.differential;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.testkit.PgTopology;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The differential check of the ORM tests: the same framework call on Strata (4 shards) and on one
 * plain PostgreSQL database holding the same rows, compared value by value (with each value's Java
 * class). A call Strata refuses must fail with an {@code SR} SQLState; a call plain PostgreSQL
 * refuses must fail on Strata too. Counts what it compared.
 */
final class Differential {

    /** How two results are compared. */
    enum Order {
        /** The query orders by a unique key: row order must match. */
        ORDERED,
        /** Order undefined: the rows compared as a multiset. */
        UNORDERED
    }

    /** What a comparison ended as. */
    enum Outcome {
        SAME,
        REFUSED
    }

    private int same;
    private int refused;
    private final List<String> refusals = new ArrayList<>();
    private final List<String> failures = new ArrayList<>();
    private boolean collect;

    /** Creates (again) an empty database {@code name} on shard 0's primary and returns its pgjdbc URL. */
    static String plainDatabase(PgTopology topology, String name) throws SQLException {
        try (Connection c = topology.shard(0).primary().connect();
                Statement st = c.createStatement()) {
            st.execute("drop database if exists " + name + " with (force)");
            st.execute("create database " + name);
        }
        return topology.shard(0).primary().jdbcUrl(name);
    }

    /**
     * Runs {@code call} on both sides and compares. Returns {@link Outcome#REFUSED} when Strata
     * refused it with an SR state (asserted), {@link Outcome#SAME} when both answered the same.
     */
    Outcome check(String label, Order order, Callable<?> strata, Callable<?> plain) {
        if (!collect) {
            return compare(label, order, strata, plain);
        }
        try {
            return compare(label, order, strata, plain);
        } catch (AssertionError e) {
            failures.add(e.getMessage());
            return null;
        }
    }

    /**
     * A write: run on Strata first, and on plain PostgreSQL only when Strata did not refuse it (a
     * refused write changed nothing there), so both sides keep holding the same rows.
     */
    Outcome checkWrite(String label, Order order, Callable<?> strata, Callable<?> plain) {
        Object[] first = new Object[1];
        Throwable[] failed = new Throwable[1];
        try {
            first[0] = strata.call();
        } catch (Throwable e) {
            failed[0] = e;
        }
        SQLException sql = failed[0] == null ? null : sqlException(failed[0]);
        if (sql != null && sql.getSQLState() != null && sql.getSQLState().startsWith("SR")) {
            refused++;
            refusals.add(label + ": " + sql.getSQLState() + " " + firstLine(sql.getMessage()));
            return Outcome.REFUSED;
        }
        return check(
                label,
                order,
                () -> {
                    if (failed[0] instanceof Exception e) {
                        throw e;
                    } else if (failed[0] != null) {
                        throw (Error) failed[0];
                    }
                    return first[0];
                },
                plain);
    }

    /** Records failures instead of throwing them (to see every difference of a run at once). */
    Differential collecting() {
        collect = true;
        return this;
    }

    /** Fails with every difference recorded so far (and forgets them). */
    void assertNoDifferences() {
        List<String> copy = new ArrayList<>(failures);
        failures.clear();
        assertThat(copy).as("differences").isEmpty();
    }

    private Outcome compare(String label, Order order, Callable<?> strata, Callable<?> plain) {
        Object expected;
        Throwable plainError = null;
        try {
            expected = plain.call();
        } catch (Throwable e) {
            expected = null;
            plainError = e;
        }
        Object actual;
        try {
            actual = strata.call();
        } catch (Throwable e) {
            SQLException sql = sqlException(e);
            if (plainError != null) {
                // Both refused: fine when Strata's refusal is an SR state or the same PostgreSQL state.
                SQLException p = sqlException(plainError);
                assertThat((Object) sql)
                        .as(label + ": Strata failed without an SQLException: " + e)
                        .isNotNull();
                if (!sql.getSQLState().startsWith("SR")) {
                    assertThat(sql.getSQLState())
                            .as(label + ": plain PostgreSQL failed with " + plainError + ", Strata with " + sql)
                            .isEqualTo(p == null ? null : p.getSQLState());
                }
                refused++;
                refusals.add(label + ": both: " + sql.getSQLState());
                return Outcome.REFUSED;
            }
            assertThat((Object) sql)
                    .as(label + ": plain PostgreSQL answered, Strata failed without an SQLException: " + trace(e))
                    .isNotNull();
            assertThat(sql.getSQLState())
                    .as(label + ": plain PostgreSQL answered, Strata failed: " + sql.getMessage())
                    .startsWith("SR");
            refused++;
            refusals.add(label + ": " + sql.getSQLState() + " " + firstLine(sql.getMessage()));
            return Outcome.REFUSED;
        }
        assertThat(plainError)
                .as(label + ": plain PostgreSQL failed but Strata answered " + actual)
                .isNull();
        List<List<String>> a = rows(actual);
        List<List<String>> e = rows(expected);
        if (order == Order.UNORDERED) {
            a = sorted(a);
            e = sorted(e);
        }
        assertThat(a).as(label + " (Strata vs plain PostgreSQL)").isEqualTo(e);
        same++;
        return Outcome.SAME;
    }

    /** Asserts {@code call} is refused by Strata with an SR SQLState and returns that state. */
    static String refusedState(String label, Callable<?> strata) {
        try {
            Object r = strata.call();
            throw new AssertionError(label + ": expected an SR refusal, Strata answered " + rows(r));
        } catch (AssertionError e) {
            throw e;
        } catch (Throwable e) {
            SQLException sql = sqlException(e);
            assertThat((Object) sql).as(label + ": " + e).isNotNull();
            assertThat(sql.getSQLState()).as(label + ": " + sql.getMessage()).startsWith("SR");
            return sql.getSQLState();
        }
    }

    int same() {
        return same;
    }

    int refused() {
        return refused;
    }

    List<String> refusals() {
        return refusals;
    }

    static SQLException sqlException(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s) {
                return s;
            }
        }
        return null;
    }

    private static String trace(Throwable e) {
        java.io.StringWriter w = new java.io.StringWriter();
        e.printStackTrace(new java.io.PrintWriter(w));
        String t = w.toString();
        return t.length() > 4000 ? t.substring(0, 4000) : t;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static List<List<String>> sorted(List<List<String>> rows) {
        List<List<String>> copy = new ArrayList<>(rows);
        copy.sort(Comparator.comparing(Object::toString));
        return copy;
    }

    /** A result as rows of values' text forms, each tagged with its Java class. */
    static List<List<String>> rows(Object result) {
        List<List<String>> out = new ArrayList<>();
        if (result instanceof Collection<?> c) {
            for (Object r : c) {
                out.add(row(r));
            }
        } else {
            out.add(row(result));
        }
        return out;
    }

    static List<String> row(Object r) {
        List<String> row = new ArrayList<>();
        if (r instanceof Object[] values) {
            for (Object v : values) {
                row.add(value(v));
            }
        } else if (r instanceof jakarta.persistence.Tuple t) {
            for (Object v : t.toArray()) {
                row.add(value(v));
            }
        } else if (r instanceof Map<?, ?> m) {
            m.forEach((k, v) -> row.add(k + "=" + value(v)));
        } else if (r instanceof org.jooq.Record rec) {
            for (int i = 0; i < rec.size(); i++) {
                row.add(value(rec.get(i)));
            }
        } else if (r instanceof List<?> l) {
            for (Object v : l) {
                row.add(value(v));
            }
        } else {
            row.add(value(r));
        }
        return row;
    }

    static String value(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof Rowable r) {
            return r.describe();
        }
        if (v instanceof BigDecimal b) {
            return b.toString() + ":BigDecimal";
        }
        if (v instanceof Object[] a) {
            return row(a).toString();
        }
        return v + ":" + v.getClass().getSimpleName();
    }

    /** An entity or DTO that describes all its state as one text (collections included, sorted). */
    interface Rowable {
        String describe();
    }
}
