package io.strata.router.internal.plan;

import io.strata.router.internal.SqlStates;
import java.sql.SQLException;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import net.sf.jsqlparser.expression.CastExpression;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.IntervalExpression;
import net.sf.jsqlparser.expression.JdbcParameter;
import net.sf.jsqlparser.expression.NullValue;
import net.sf.jsqlparser.expression.Parenthesis;
import net.sf.jsqlparser.expression.StringValue;
import net.sf.jsqlparser.expression.operators.arithmetic.Addition;
import net.sf.jsqlparser.expression.operators.arithmetic.Subtraction;
import net.sf.jsqlparser.expression.operators.relational.Between;
import net.sf.jsqlparser.expression.operators.relational.ComparisonOperator;
import net.sf.jsqlparser.expression.operators.relational.EqualsTo;
import net.sf.jsqlparser.expression.operators.relational.ExpressionList;
import net.sf.jsqlparser.expression.operators.relational.GreaterThan;
import net.sf.jsqlparser.expression.operators.relational.GreaterThanEquals;
import net.sf.jsqlparser.expression.operators.relational.InExpression;
import net.sf.jsqlparser.expression.operators.relational.MinorThan;
import net.sf.jsqlparser.expression.operators.relational.MinorThanEquals;
import net.sf.jsqlparser.expression.operators.relational.ParenthesedExpressionList;
import net.sf.jsqlparser.schema.Column;

/**
 * Routing of one statement on a time-range table: the WHERE conjuncts that bound the time column
 * ({@code =, <, <=, >, >=, BETWEEN, IN} over literals, parameters and Strata's "now" parameter,
 * with casts and {@code +/- interval '...'}), or the rows of an INSERT, turned into the intervals
 * they cover and so the shards. Conjuncts it cannot read bound nothing (a read then reaches more
 * shards, never fewer); an inserted row's time must be exact.
 */
final class TimeRouting {

    /** A source of a time value in the statement. */
    interface Source {
        /** The value under the bound parameters; null when Strata cannot read it. */
        TimeValue value(Param[] params) throws SQLException;

        /** True when the value depends on no parameter (and no "now"). */
        boolean constant();
    }

    private record Literal(TimeValue v, String text) implements Source {
        @Override
        public TimeValue value(Param[] params) {
            return v;
        }

        @Override
        public boolean constant() {
            return true;
        }

        @Override
        public String toString() {
            return text;
        }
    }

    private record Parameter(int index) implements Source {
        @Override
        public TimeValue value(Param[] params) throws SQLException {
            if (params == null || index > params.length || params[index - 1] == null || !params[index - 1].isSet()) {
                throw new SQLException("Strata: no value specified for parameter " + index, "07001");
            }
            return TimeValue.ofParameter(params[index - 1].routingValue());
        }

        @Override
        public boolean constant() {
            return false;
        }

        @Override
        public String toString() {
            return "?" + index;
        }
    }

    private record Cast(Source inner, String type) implements Source {
        @Override
        public TimeValue value(Param[] params) throws SQLException {
            TimeValue v = inner.value(params);
            return v == null ? null : v.cast(type);
        }

        @Override
        public boolean constant() {
            return inner.constant();
        }

        @Override
        public String toString() {
            return inner + "::" + type;
        }
    }

    private record Shift(Source inner, int sign, TimeValue.IntervalParts interval, String text) implements Source {
        @Override
        public TimeValue value(Param[] params) throws SQLException {
            TimeValue v = inner.value(params);
            return v == null ? null : v.shift(sign, interval);
        }

        @Override
        public boolean constant() {
            return inner.constant();
        }

        @Override
        public String toString() {
            return inner + (sign < 0 ? " - " : " + ") + text;
        }
    }

    /** How a conjunct bounds the column. */
    enum Op {
        EQ,
        LT,
        LE,
        GT,
        GE,
        BETWEEN,
        IN
    }

    /** One bounding conjunct: the column {@code op} the sources. */
    record Condition(Op op, List<Source> sources) {}

    final TimeGrid grid;
    private final Clock clock;
    private final List<String> shardNames;
    /** The bounding conjuncts of a SELECT/UPDATE/DELETE (empty: unbounded). */
    final List<Condition> conditions;
    /** The time of each inserted row, in row order (null unless an INSERT). */
    final List<Source> rows;
    /** The value an UPDATE sets the time column to, or null. */
    Source setValue;
    /** The index of Strata's "now" parameter in the rewritten SQL, 0 when the statement has none. */
    int nowParameter;

    TimeRouting(TimeGrid grid, Clock clock, List<String> shardNames, List<Condition> conditions, List<Source> rows) {
        this.grid = grid;
        this.clock = clock;
        this.shardNames = shardNames;
        this.conditions = conditions;
        this.rows = rows;
    }

    // ---------------------------------------------------------------- planning

    /** The conjuncts of {@code where} that bound the occurrence's time column. */
    static List<Condition> conditions(List<Expression> conjuncts, KeyConditions.Occurrence occurrence) {
        List<KeyConditions.Occurrence> one = List.of(occurrence);
        List<Condition> out = new ArrayList<>();
        for (Expression e : conjuncts) {
            Condition c = condition(e, one);
            if (c != null) {
                out.add(c);
            }
        }
        return out;
    }

    private static Condition condition(Expression e, List<KeyConditions.Occurrence> one) {
        if (e instanceof ComparisonOperator cmp) {
            Expression l = cmp.getLeftExpression();
            Expression r = cmp.getRightExpression();
            boolean flipped = false;
            if (!isColumn(l, one) && isColumn(r, one)) {
                Expression t = l;
                l = r;
                r = t;
                flipped = true;
            }
            if (!isColumn(l, one)) {
                return null;
            }
            Op op;
            if (cmp instanceof EqualsTo) {
                op = Op.EQ;
            } else if (cmp instanceof MinorThan) {
                op = flipped ? Op.GT : Op.LT;
            } else if (cmp instanceof MinorThanEquals) {
                op = flipped ? Op.GE : Op.LE;
            } else if (cmp instanceof GreaterThan) {
                op = flipped ? Op.LT : Op.GT;
            } else if (cmp instanceof GreaterThanEquals) {
                op = flipped ? Op.LE : Op.GE;
            } else {
                return null;
            }
            Source s = source(r);
            return s == null ? null : new Condition(op, List.of(s));
        }
        if (e instanceof Between b
                && !b.isNot()
                && isColumn(b.getLeftExpression(), one)
                && !b.toString().toUpperCase(Locale.ROOT).contains("SYMMETRIC")) {
            Source lo = source(b.getBetweenExpressionStart());
            Source hi = source(b.getBetweenExpressionEnd());
            return lo == null || hi == null ? null : new Condition(Op.BETWEEN, List.of(lo, hi));
        }
        if (e instanceof InExpression in
                && !in.isNot()
                && isColumn(in.getLeftExpression(), one)
                && in.getRightExpression() instanceof ExpressionList<?> list
                && !list.isEmpty()) {
            List<Source> sources = new ArrayList<>();
            for (Expression v : list) {
                Source s = source(v);
                if (s == null) {
                    return null;
                }
                sources.add(s);
            }
            return new Condition(Op.IN, sources);
        }
        return null;
    }

    private static boolean isColumn(Expression e, List<KeyConditions.Occurrence> one) {
        return e instanceof Column c && KeyConditions.keyOf(c, one) != null;
    }

    /** A time value expression Strata can evaluate, or null. */
    static Source source(Expression e) {
        while (e instanceof Parenthesis p) {
            e = p.getExpression();
        }
        if (e instanceof ParenthesedExpressionList<?> list && list.size() == 1) {
            return source(list.get(0));
        }
        if (e instanceof NullValue) {
            return new Literal(TimeValue.NULL, "NULL");
        }
        if (e instanceof JdbcParameter p && p.getIndex() != null) {
            return new Parameter(p.getIndex());
        }
        if (e instanceof StringValue s && s.getPrefix() == null) {
            TimeValue v = TimeValue.parse(s.getValue().replace("''", "'"));
            return v == null ? null : new Literal(v, s.toString());
        }
        if (e instanceof CastExpression cast && cast.getColDataType() != null) {
            if (cast.getColDataType().getArrayData() != null
                    && !cast.getColDataType().getArrayData().isEmpty()) {
                return null;
            }
            List<String> args = cast.getColDataType().getArgumentsStringList();
            if (args != null && !args.isEmpty()) {
                return null; // timestamp(0) rounds
            }
            Source inner = source(cast.getLeftExpression());
            return inner == null ? null : new Cast(inner, cast.getColDataType().getDataType());
        }
        if (e instanceof Addition || e instanceof Subtraction) {
            net.sf.jsqlparser.expression.BinaryExpression b = (net.sf.jsqlparser.expression.BinaryExpression) e;
            int sign = e instanceof Addition ? 1 : -1;
            Source base = source(b.getLeftExpression());
            TimeValue.IntervalParts interval = interval(b.getRightExpression());
            if (base == null && sign > 0) {
                base = source(b.getRightExpression());
                interval = interval(b.getLeftExpression());
            }
            if (base == null || interval == null) {
                return null;
            }
            return new Shift(
                    base,
                    sign,
                    interval,
                    e instanceof Addition
                            ? b.getRightExpression().toString()
                            : b.getRightExpression().toString());
        }
        return null;
    }

    private static TimeValue.IntervalParts interval(Expression e) {
        if (e instanceof IntervalExpression ie && ie.getParameter() != null) {
            String p = ie.getParameter().trim();
            if (p.length() >= 2 && p.startsWith("'") && p.endsWith("'")) {
                return TimeValue.IntervalParts.parse(p.substring(1, p.length() - 1), ie.getIntervalType());
            }
        }
        if (e instanceof CastExpression cast
                && cast.getColDataType() != null
                && "interval".equalsIgnoreCase(cast.getColDataType().getDataType())
                && cast.getLeftExpression() instanceof StringValue s
                && s.getPrefix() == null) {
            return TimeValue.IntervalParts.parse(s.getValue(), null);
        }
        return null;
    }

    // ---------------------------------------------------------------- execution

    /** The parameters with Strata's "now" (this instant, to the microsecond) at {@link #nowParameter}. */
    Param[] withNow(Param[] params, java.time.Instant now) {
        if (nowParameter == 0) {
            return params;
        }
        int size = Math.max(nowParameter, params == null ? 0 : params.length);
        Param[] out = new Param[size];
        if (params != null) {
            System.arraycopy(params, 0, out, 0, params.length);
        }
        OffsetDateTime value = OffsetDateTime.ofInstant(now.truncatedTo(ChronoUnit.MICROS), ZoneOffset.UTC);
        out[nowParameter - 1] = Param.of(value);
        return out;
    }

    /** The instant this execution calls "now". */
    java.time.Instant now() {
        return clock.instant();
    }

    private static final long FAR = Long.MAX_VALUE / 4;

    /**
     * The intervals the conditions admit, as sorted disjoint inclusive ranges {@code [lo, hi]}
     * (unbounded sides are +/- {@link #FAR}); empty when no row can match.
     */
    List<long[]> intervals(Param[] params) throws SQLException {
        List<long[]> set = new ArrayList<>();
        set.add(new long[] {-FAR, FAR});
        for (Condition c : conditions) {
            List<long[]> admitted = admitted(c, params);
            if (admitted != null) {
                set = intersect(set, admitted);
            }
        }
        return set;
    }

    /** The intervals one condition admits; null when it bounds nothing Strata can read. */
    private List<long[]> admitted(Condition c, Param[] params) throws SQLException {
        List<TimeValue> values = new ArrayList<>();
        for (Source s : c.sources()) {
            TimeValue v = s.value(params);
            if (v == null) {
                return null;
            }
            values.add(v);
        }
        List<long[]> out = new ArrayList<>();
        if (c.op() == Op.IN) {
            for (TimeValue v : values) {
                if (!v.isNull()) {
                    TimeValue.Span s = v.span(grid);
                    out.add(new long[] {s.low(), s.high()});
                }
            }
            return normalize(out);
        }
        for (TimeValue v : values) {
            if (v.isNull()) {
                return out; // a comparison with NULL is never true
            }
        }
        TimeValue.Span a = values.get(0).span(grid);
        switch (c.op()) {
            case EQ -> out.add(new long[] {a.low(), a.high()});
            case LT -> out.add(new long[] {-FAR, a.exactStart() ? a.low() - 1 : a.high()});
            case LE -> out.add(new long[] {-FAR, a.high()});
            case GT, GE -> out.add(new long[] {a.low(), FAR});
            case BETWEEN ->
                out.add(new long[] {a.low(), values.get(1).span(grid).high()});
            default -> throw new IllegalStateException(c.op().toString());
        }
        return normalize(out);
    }

    private static List<long[]> normalize(List<long[]> ranges) {
        ranges.removeIf(r -> r[0] > r[1]);
        ranges.sort((x, y) -> Long.compare(x[0], y[0]));
        List<long[]> out = new ArrayList<>();
        for (long[] r : ranges) {
            if (!out.isEmpty() && out.get(out.size() - 1)[1] >= r[0] - 1) {
                long[] last = out.get(out.size() - 1);
                last[1] = Math.max(last[1], r[1]);
            } else {
                out.add(new long[] {r[0], r[1]});
            }
        }
        return out;
    }

    private static List<long[]> intersect(List<long[]> a, List<long[]> b) {
        List<long[]> out = new ArrayList<>();
        for (long[] x : a) {
            for (long[] y : b) {
                long lo = Math.max(x[0], y[0]);
                long hi = Math.min(x[1], y[1]);
                if (lo <= hi) {
                    out.add(new long[] {lo, hi});
                }
            }
        }
        return normalize(out);
    }

    /** The shards holding the given intervals. */
    BitSet shards(List<long[]> intervals, int shardCount) {
        BitSet out = new BitSet(shardCount);
        int cycle = grid.cycleLength();
        for (long[] r : intervals) {
            if (r[1] - r[0] >= cycle - 1) {
                for (int k = 0; k < cycle; k++) {
                    out.set(grid.shardOf(k));
                }
            } else {
                for (long k = r[0]; k <= r[1]; k++) {
                    out.set(grid.shardOf(k));
                }
            }
        }
        return out;
    }

    /** The shard each inserted row goes to, in row order. */
    int[] rowShards(Param[] params) throws SQLException {
        int[] out = new int[rows.size()];
        for (int r = 0; r < rows.size(); r++) {
            Long k = exactInterval(rows.get(r), params, "an inserted row's");
            out[r] = grid.shardOf(k);
        }
        return out;
    }

    /** The interval of a value that places a row; refused when the value is NULL or not exact. */
    long exactInterval(Source source, Param[] params, String what) throws SQLException {
        TimeValue v = source.value(params);
        if (v != null && v.isNull()) {
            throw new SQLException(
                    "Strata: " + what + " time column '" + grid.spec().column() + "' is NULL; a row of a time-range"
                            + " table is placed by its time, so the column must not be NULL.",
                    SqlStates.NO_SHARD_KEY);
        }
        Long k = v == null ? null : v.rowInterval(grid);
        if (k == null) {
            throw new SQLException(
                    "Strata: " + what + " time column '" + grid.spec().column() + "' ("
                            + grid.spec().type().name().toLowerCase(Locale.ROOT) + ") is " + source
                            + (v == null ? "" : " = " + v)
                            + ", which Strata cannot place exactly: a value of the other time type (timestamp vs"
                            + " timestamptz) depends on the session time zone. Pass a "
                            + (grid.spec().type() == io.strata.router.TimeRange.ColumnType.TIMESTAMPTZ
                                    ? "java.sql.Timestamp or OffsetDateTime, or a literal with an offset"
                                    : "java.sql.Timestamp, LocalDateTime or LocalDate, or a literal without an offset")
                            + ".",
                    SqlStates.NO_SHARD_KEY);
        }
        return k;
    }

    /**
     * For an UPDATE that sets the time column: refused unless every row it can touch stays on its
     * shard (the rows' intervals and the new value's interval all live on one shard).
     */
    void checkSet(BitSet targets, Param[] params) throws SQLException {
        if (setValue == null) {
            return;
        }
        long k = exactInterval(setValue, params, "the UPDATE's new");
        int to = grid.shardOf(k);
        if (targets.isEmpty() || (targets.cardinality() == 1 && targets.get(to))) {
            return;
        }
        throw new SQLException(
                "Strata: the UPDATE sets time column '" + grid.spec().column() + "' to " + setValue
                        + ", whose interval lives on shard " + shardNames.get(to) + ", but the rows it touches may"
                        + " live on shards " + names(targets) + "; moving a row between shards is not supported."
                        + " Delete and re-insert the row, or bound the WHERE clause to intervals of that shard.",
                SqlStates.CHANGES_SHARD_KEY);
    }

    String names(BitSet shards) {
        List<String> out = new ArrayList<>();
        for (int s = shards.nextSetBit(0); s >= 0; s = shards.nextSetBit(s + 1)) {
            out.add(shardNames.get(s));
        }
        return out.toString();
    }

    /** True when no source depends on a parameter or on "now". */
    boolean constant() {
        for (Condition c : conditions) {
            for (Source s : c.sources()) {
                if (!s.constant()) {
                    return false;
                }
            }
        }
        if (rows != null) {
            for (Source s : rows) {
                if (!s.constant()) {
                    return false;
                }
            }
        }
        return true;
    }

    /** What the planner's description says about time routing. */
    String describe() {
        StringBuilder sb = new StringBuilder("time ")
                .append(grid.spec().column())
                .append(' ')
                .append(grid.spec().interval().name().toLowerCase(Locale.ROOT));
        if (rows != null) {
            sb.append(", rows ").append(rows);
        } else if (conditions.isEmpty()) {
            sb.append(", unbounded");
        } else {
            List<String> parts = new ArrayList<>();
            for (Condition c : conditions) {
                parts.add(c.op().name().toLowerCase(Locale.ROOT) + " " + c.sources());
            }
            sb.append(", bounds ").append(parts);
        }
        if (!constant() || nowParameter != 0) {
            return sb.append(" (shards chosen per execution)").toString();
        }
        try {
            BitSet shards;
            if (rows != null) {
                shards = new BitSet();
                for (int s : rowShards(null)) {
                    shards.set(s);
                }
            } else {
                List<long[]> intervals = intervals(null);
                shards = shards(intervals, shardNames.size());
                List<String> ranges = new ArrayList<>();
                for (long[] r : intervals) {
                    ranges.add(bound(r[0]) + ".." + bound(r[1]));
                }
                sb.append(" -> intervals ").append(ranges);
            }
            return sb.append(" -> shards ").append(names(shards)).toString();
        } catch (SQLException e) {
            return sb.append(" -> refused: ").append(e.getMessage()).toString();
        }
    }

    private String bound(long k) {
        if (k <= -FAR) {
            return "-inf";
        }
        if (k >= FAR) {
            return "+inf";
        }
        return grid.start(k).toString();
    }
}
