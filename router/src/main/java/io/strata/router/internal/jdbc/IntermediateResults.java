package io.strata.router.internal.jdbc;

import io.strata.router.internal.SqlStates;
import io.strata.router.internal.plan.Param;
import io.strata.router.internal.plan.Plan;
import io.strata.router.internal.plan.RecursivePlanning;
import io.strata.router.internal.plan.SqlText;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Runs the steps of a recursively planned SELECT ({@link RecursivePlanning}) on the logical
 * connection, each as a routed statement of its own, and returns the outer statement with their
 * results bound as parameters (as text, cast back to each column's own type by PostgreSQL).
 */
final class IntermediateResults {

    private static final Pattern TYPE_NAME = Pattern.compile("[a-z_][a-z0-9_]*");

    /** The outer plan and its parameters. */
    record Filled(Plan plan, Param[] params) {}

    private IntermediateResults() {}

    static Filled fill(LogicalConnection connection, RecursivePlanning.Recursive r, Param[] params)
            throws SQLException {
        List<Param> all = new ArrayList<>();
        for (int i = 0; i < r.parameterCount(); i++) {
            all.add(params == null ? null : params[i]);
        }
        String text = r.template();
        for (RecursivePlanning.Step step : r.steps()) {
            SqlText.Renumbered inner = SqlText.unnumber(step.numberedSql());
            Plan plan = connection.router().planner.plan(inner.sql());
            Param[] innerParams = null;
            if (inner.originalIndexes() != null && inner.originalIndexes().length > 0) {
                innerParams = new Param[inner.originalIndexes().length];
                for (int i = 0; i < innerParams.length; i++) {
                    innerParams[i] = all.get(inner.originalIndexes()[i] - 1);
                }
            }
            String fill;
            try (LogicalStatement statement = new LogicalStatement(connection);
                    ResultSet rs = runStep(statement, plan, innerParams, step)) {
                ResultSetMetaData md = rs.getMetaData();
                int columns = md.getColumnCount();
                List<List<String>> values = new ArrayList<>();
                for (int c = 0; c < columns; c++) {
                    values.add(new ArrayList<>());
                }
                int rows = 0;
                while (rs.next()) {
                    rows++;
                    if (step.kind() == RecursivePlanning.Kind.SCALAR && rows > 1) {
                        throw new SQLException(
                                "more than one row returned by a subquery used as an expression", "21000");
                    }
                    for (int c = 0; c < columns; c++) {
                        values.get(c).add(rs.getString(c + 1));
                    }
                }
                switch (step.kind()) {
                    case SCALAR -> {
                        String value = rows == 0 ? null : values.get(0).get(0);
                        all.add(text(value));
                        // Keeps the subquery's column label, which PostgreSQL gives the enclosing column.
                        fill = "SELECT CAST(?" + all.size() + " AS " + type(md, 1) + ") AS "
                                + quoted(md.getColumnLabel(1));
                    }
                    case ARRAY -> {
                        all.add(array(values.get(0)));
                        fill = "SELECT unnest(CAST(CAST(?" + all.size() + " AS text[]) AS " + type(md, 1) + "[]))";
                    }
                    default -> {
                        StringBuilder sb = new StringBuilder("SELECT * FROM unnest(");
                        for (int c = 0; c < columns; c++) {
                            all.add(array(values.get(c)));
                            sb.append(c == 0 ? "" : ", ")
                                    .append("CAST(CAST(?")
                                    .append(all.size())
                                    .append(" AS text[]) AS ")
                                    .append(type(md, c + 1))
                                    .append("[])");
                        }
                        sb.append(") AS __strata_u(");
                        for (int c = 0; c < columns; c++) {
                            String name =
                                    step.columns() != null && c < step.columns().size()
                                            ? step.columns().get(c)
                                            : quoted(md.getColumnLabel(c + 1));
                            sb.append(c == 0 ? "" : ", ").append(name);
                        }
                        fill = sb.append(')').toString();
                    }
                }
            }
            text = text.replace("SELECT " + step.marker(), fill);
        }
        SqlText.Renumbered outer = SqlText.unnumber(text);
        Plan plan = connection.router().planner.plan(outer.sql());
        Param[] bound = new Param[outer.originalIndexes() == null ? 0 : outer.originalIndexes().length];
        for (int i = 0; i < bound.length; i++) {
            bound[i] = all.get(outer.originalIndexes()[i] - 1);
        }
        return new Filled(plan, bound);
    }

    private static ResultSet runStep(LogicalStatement statement, Plan plan, Param[] params, RecursivePlanning.Step step)
            throws SQLException {
        try {
            return statement.query(plan, params);
        } catch (SQLException e) {
            if ("42703".equals(e.getSQLState()) || "42P01".equals(e.getSQLState())) {
                // The subquery names something only the enclosing statement defines: it is correlated.
                throw new SQLException(
                        "Strata: the subquery (" + step.numberedSql() + ") refers to the enclosing statement ("
                                + e.getMessage() + "), so it cannot run first; correlate it on the shard key or"
                                + " hint one shard.",
                        SqlStates.SHAPE_NOT_SUPPORTED,
                        e);
            }
            throw e;
        }
    }

    private static String quoted(String label) {
        return '"' + label.replace("\"", "\"\"") + '"';
    }

    private static String type(ResultSetMetaData md, int column) throws SQLException {
        String type = md.getColumnTypeName(column);
        if (type == null || !TYPE_NAME.matcher(type).matches()) {
            throw new SQLException(
                    "Strata: a subquery result of type " + type + " cannot be passed to the shards as a parameter.",
                    SqlStates.SHAPE_NOT_SUPPORTED);
        }
        return type;
    }

    /** A text value bound as {@code setObject} (a null as an untyped null): the SQL casts it. */
    private static Param text(String value) {
        return Param.of(value);
    }

    /** A {@code String[]} bound as {@code setObject}, which pgjdbc sends as a varchar array. */
    private static Param array(List<String> values) {
        return Param.of(values.toArray(new String[0]));
    }
}
