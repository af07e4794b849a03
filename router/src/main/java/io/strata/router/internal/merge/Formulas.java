package io.strata.router.internal.merge;

import io.strata.router.internal.SqlStates;
import io.strata.router.internal.plan.MergeSpec.Formula;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.IntUnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * Evaluates a {@link Formula} over one merged row as PostgreSQL evaluates the same expression.
 *
 * <p>Before any row is merged, {@link #compile} gives every node the PostgreSQL type it has on a
 * single database (from the shards' column types and PostgreSQL's operator resolution for
 * smallint, integer, bigint, numeric, real, double precision, boolean and date) and checks that
 * the whole expression has the type the shards reported for it (its placeholder column, which
 * PostgreSQL type-checked on every shard). Evaluation then follows that type: integer arithmetic
 * in the operands' width (overflow is PostgreSQL's 22003 error, division truncates), exact numeric
 * arithmetic (division at numeric's result scale), IEEE arithmetic in real or double precision
 * (overflow, underflow and division by zero raise as PostgreSQL raises), date minus date in days,
 * date plus or minus an integer. NULL propagates; comparisons and AND/OR/NOT follow three-valued
 * logic. Any other type (timestamps, intervals, text, money, ...) is refused with {@code SR001}
 * naming the expression: the merge would not compute it exactly as PostgreSQL does.
 */
final class Formulas {

    private static final Set<String> INTEGERS = Set.of("int2", "int4", "int8");
    private static final Set<String> NUMBERS = Set.of("int2", "int4", "int8", "numeric", "float4", "float8");
    private static final String UNKNOWN = "unknown";

    /** The PostgreSQL type of a shard column the formula refers to (1-based, negative: hidden). */
    @FunctionalInterface
    interface RefTypes {
        String typeOf(int column) throws SQLException;
    }

    /** Element types of string_agg ORDER BY keys the merge orders as PostgreSQL does. */
    private static final Set<String> KEY_ELEMENTS = Set.of(
            "int2",
            "int4",
            "int8",
            "numeric",
            "float4",
            "float8",
            "text",
            "varchar",
            "bool",
            "date",
            "timestamp",
            "timestamptz",
            "uuid");

    private final Map<Formula, String> types = new IdentityHashMap<>();
    private final String text;
    private final String textOrderProblem;
    private final io.strata.router.internal.plan.Param @Nullable [] params;

    private Formulas(String text, String textOrderProblem, io.strata.router.internal.plan.Param @Nullable [] params) {
        this.text = text;
        this.textOrderProblem = textOrderProblem;
        this.params = params;
    }

    /** {@link #compile(Formula, RefTypes, String, String, String, io.strata.router.internal.plan.Param[])} without parameters. */
    static Formulas compile(Formula f, RefTypes refs, String expected, String text, String textOrderProblem)
            throws SQLException {
        return compile(f, refs, expected, text, textOrderProblem, null);
    }

    /**
     * Types {@code f} and checks its result type against {@code expected} (the type PostgreSQL gave
     * the expression on the shards); refuses ({@code SR001}) what the merge cannot compute exactly.
     */
    static Formulas compile(
            Formula f,
            RefTypes refs,
            String expected,
            String text,
            String textOrderProblem,
            io.strata.router.internal.plan.Param @Nullable [] params)
            throws SQLException {
        Formulas compiled = new Formulas(text, textOrderProblem, params);
        String type = compiled.type(f, refs);
        String want = normalize(expected);
        if (!type.equals(want) && !(type.equals(UNKNOWN))) {
            throw compiled.refuse("its type after the merge would be " + type + ", PostgreSQL's is " + want);
        }
        return compiled;
    }

    static String normalize(String type) {
        if (type == null) {
            return UNKNOWN;
        }
        String t = type.toLowerCase(Locale.ROOT);
        return switch (t) {
            case "serial" -> "int4";
            case "bigserial" -> "int8";
            case "smallserial" -> "int2";
            default -> t;
        };
    }

    private io.strata.router.internal.plan.Param param(int index) throws SQLException {
        if (params == null || index < 1 || index > params.length || params[index - 1] == null) {
            throw new SQLException("Strata: no value specified for parameter " + index, "07001");
        }
        return params[index - 1];
    }

    private SQLException refuse(String why) {
        return new SQLException(
                "Strata: " + text + " cannot be computed after merging shards exactly as PostgreSQL computes it ("
                        + why + "). Supported after the merge: + - * / and comparisons over smallint, integer,"
                        + " bigint, numeric, real, double precision, date minus date and date plus/minus integer;"
                        + " select the aggregates themselves, cast them, or query one shard.",
                SqlStates.SHAPE_NOT_SUPPORTED);
    }

    private String type(Formula f, RefTypes refs) throws SQLException {
        String t = typeOf(f, refs);
        types.put(f, t);
        return t;
    }

    private String typeOf(Formula f, RefTypes refs) throws SQLException {
        if (f instanceof Formula.Ref r) {
            return normalize(refs.typeOf(r.column()));
        }
        if (f instanceof Formula.Param p) {
            String t = param(p.index()).boundType();
            if (t == null) {
                throw refuse("parameter " + p.index() + " is not bound as a number or boolean; bind it with setInt,"
                        + " setLong, setBigDecimal, setDouble or setBoolean, whose type PostgreSQL takes as given");
            }
            return t;
        }
        if (f instanceof Formula.Const c) {
            Object v = c.value();
            if (v == null) {
                return UNKNOWN;
            }
            if (v instanceof Long l) {
                return l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE ? "int4" : "int8";
            }
            return "numeric";
        }
        if (f instanceof Formula.Variance v) {
            String t = normalize(refs.typeOf(v.type()));
            if (!t.equals("numeric")) {
                throw refuse(v.name() + " over real or double precision: PostgreSQL's float result depends on the"
                        + " order rows are read in; cast the argument to numeric");
            }
            return "numeric";
        }
        if (f instanceof Formula.StringAgg a) {
            String t = normalize(refs.typeOf(a.type()));
            if (!t.equals("text")) {
                throw refuse("string_agg over " + t);
            }
            for (int key : a.keys()) {
                String k = normalize(refs.typeOf(key));
                String element = k.startsWith("_") ? k.substring(1) : k;
                if (!KEY_ELEMENTS.contains(element)) {
                    throw refuse("string_agg ORDER BY a value of type " + element + ", which the merge cannot order as"
                            + " PostgreSQL does");
                }
                if ((element.equals("text") || element.equals("varchar")) && textOrderProblem != null) {
                    throw refuse("string_agg ORDER BY text: " + textOrderProblem);
                }
            }
            return "text";
        }
        if (f instanceof Formula.Unary u) {
            String t = type(u.operand(), refs);
            if (u.op().equals("NOT")) {
                if (!t.equals("bool") && !t.equals(UNKNOWN)) {
                    throw refuse("NOT over " + t);
                }
                return "bool";
            }
            if (!NUMBERS.contains(t)) {
                throw refuse("unary minus over " + t);
            }
            return t;
        }
        Formula.Op op = (Formula.Op) f;
        String a = type(op.left(), refs);
        String b = type(op.right(), refs);
        switch (op.op()) {
            case "AND", "OR" -> {
                if (!(a.equals("bool") || a.equals(UNKNOWN)) || !(b.equals("bool") || b.equals(UNKNOWN))) {
                    throw refuse(op.op() + " over " + a + " and " + b);
                }
                return "bool";
            }
            case "<", "<=", ">", ">=", "=", "<>" -> {
                if (a.equals(UNKNOWN) || b.equals(UNKNOWN)) {
                    return "bool";
                }
                boolean numbers = NUMBERS.contains(a) && NUMBERS.contains(b);
                boolean same = a.equals(b)
                        && Set.of("bool", "date", "timestamp", "timestamptz").contains(a);
                if (!numbers && !same) {
                    throw refuse("comparison of " + a + " with " + b);
                }
                return "bool";
            }
            default -> {
                if (a.equals(UNKNOWN)) {
                    a = b;
                }
                if (b.equals(UNKNOWN)) {
                    b = a;
                }
                String t = arithmeticType(op.op(), a, b);
                if (t == null) {
                    throw refuse("operator " + op.op() + " over " + a + " and " + b);
                }
                return t;
            }
        }
    }

    /** PostgreSQL's result type of {@code a op b} for the types the merge computes, else null. */
    private static String arithmeticType(String op, String a, String b) {
        if (NUMBERS.contains(a) && NUMBERS.contains(b)) {
            if (a.startsWith("float") || b.startsWith("float")) {
                return a.equals("float4") && b.equals("float4") ? "float4" : "float8";
            }
            if (a.equals("numeric") || b.equals("numeric")) {
                return "numeric";
            }
            if (a.equals("int2") && b.equals("int2")) {
                return "int2";
            }
            return a.equals("int8") || b.equals("int8") ? "int8" : "int4";
        }
        boolean smallInt = a.equals("int2") || a.equals("int4");
        boolean smallIntB = b.equals("int2") || b.equals("int4");
        if (a.equals("date") && b.equals("date") && op.equals("-")) {
            return "int4";
        }
        if (a.equals("date") && smallIntB && (op.equals("+") || op.equals("-"))) {
            return "date";
        }
        if (smallInt && b.equals("date") && op.equals("+")) {
            return "date";
        }
        return null;
    }

    /** The formula's value over one merged row, as the Java class pgjdbc gives for its type. */
    Object evaluate(Formula f, Object[] row, IntUnaryOperator column) throws SQLException {
        String type = types.get(f);
        if (f instanceof Formula.Ref r) {
            return row[column.applyAsInt(r.column())];
        }
        if (f instanceof Formula.Const c) {
            Object v = c.value();
            return v instanceof Long l && type.equals("int4") ? (Object) l.intValue() : v;
        }
        if (f instanceof Formula.Param p) {
            Object v = param(p.index()).value();
            // As pgjdbc reads the types back: smallint as Integer.
            return v instanceof Short || v instanceof Byte ? (Object) ((Number) v).intValue() : v;
        }
        if (f instanceof Formula.Variance v) {
            return variance(
                    v.name(),
                    row[column.applyAsInt(v.count())],
                    row[column.applyAsInt(v.sum())],
                    row[column.applyAsInt(v.squares())]);
        }
        if (f instanceof Formula.StringAgg a) {
            return stringAgg(a, row, column);
        }
        if (f instanceof Formula.Unary u) {
            Object v = evaluate(u.operand(), row, column);
            if (v == null) {
                return null;
            }
            if (u.op().equals("NOT")) {
                return !(Boolean) v;
            }
            return arithmetic("-", type, zero(type), (Number) v);
        }
        Formula.Op op = (Formula.Op) f;
        switch (op.op()) {
            case "AND": {
                Object a = evaluate(op.left(), row, column);
                if (a != null && !(Boolean) a) {
                    return false;
                }
                Object b = evaluate(op.right(), row, column);
                if (b != null && !(Boolean) b) {
                    return false;
                }
                return a == null || b == null ? null : Boolean.TRUE;
            }
            case "OR": {
                Object a = evaluate(op.left(), row, column);
                if (a != null && (Boolean) a) {
                    return true;
                }
                Object b = evaluate(op.right(), row, column);
                if (b != null && (Boolean) b) {
                    return true;
                }
                return a == null || b == null ? null : Boolean.FALSE;
            }
            default:
                break;
        }
        Object a = evaluate(op.left(), row, column);
        Object b = evaluate(op.right(), row, column);
        if (a == null || b == null) {
            return null;
        }
        String ta = types.get(op.left());
        String tb = types.get(op.right());
        switch (op.op()) {
            case "<":
                return compare(a, ta, b, tb) < 0;
            case "<=":
                return compare(a, ta, b, tb) <= 0;
            case ">":
                return compare(a, ta, b, tb) > 0;
            case ">=":
                return compare(a, ta, b, tb) >= 0;
            case "=":
                return compare(a, ta, b, tb) == 0;
            case "<>":
                return compare(a, ta, b, tb) != 0;
            default:
                break;
        }
        if (type.equals("int4") && a instanceof java.sql.Date x && b instanceof java.sql.Date y) {
            return (int) (x.toLocalDate().toEpochDay() - y.toLocalDate().toEpochDay());
        }
        if (type.equals("date")) {
            java.sql.Date d = (java.sql.Date) (a instanceof java.sql.Date ? a : b);
            long days = ((Number) (a instanceof java.sql.Date ? b : a)).longValue();
            if (d.getTime() == org.postgresql.PGStatement.DATE_POSITIVE_INFINITY
                    || d.getTime() == org.postgresql.PGStatement.DATE_NEGATIVE_INFINITY) {
                return d;
            }
            return java.sql.Date.valueOf(d.toLocalDate().plusDays(op.op().equals("-") ? -days : days));
        }
        return arithmetic(op.op(), type, (Number) a, (Number) b);
    }

    private static Number zero(String type) {
        return switch (type) {
            case "float4" -> 0f;
            case "float8" -> 0d;
            case "numeric" -> BigDecimal.ZERO;
            default -> 0L;
        };
    }

    private static int compare(Object a, String ta, Object b, String tb) {
        if (a instanceof Number x && b instanceof Number y) {
            if (ta.startsWith("float") || tb.startsWith("float")) {
                // PostgreSQL compares a number with a float in double precision.
                return PgOrder.compareNumbers(toDouble(x), toDouble(y));
            }
            return PgOrder.toBigDecimal(x).compareTo(PgOrder.toBigDecimal(y));
        }
        return PgOrder.INSTANCE.compare(a, b);
    }

    private static double toDouble(Number n) {
        if (n instanceof BigDecimal bd) {
            return Double.parseDouble(bd.toString()); // correctly rounded, as PostgreSQL's numeric -> float8
        }
        return n.doubleValue();
    }

    static Number arithmetic(String op, String type, Number a, Number b) throws SQLException {
        switch (type) {
            case "float8": {
                double x = toDouble(a);
                double y = toDouble(b);
                double r = floatOp(op, x, y);
                checkFloat(r, Double.isInfinite(x) || Double.isInfinite(y), x == 0 || y == 0, op);
                return r;
            }
            case "float4": {
                float x = a.floatValue();
                float y = b.floatValue();
                if (op.equals("/") && y == 0) {
                    throw new SQLException("division by zero", "22012");
                }
                float r = switch (op) {
                    case "+" -> x + y;
                    case "-" -> x - y;
                    case "*" -> x * y;
                    default -> x / y;
                };
                checkFloat(r, Float.isInfinite(x) || Float.isInfinite(y), x == 0 || y == 0, op);
                return r;
            }
            case "numeric": {
                BigDecimal x = PgOrder.toBigDecimal(a);
                BigDecimal y = PgOrder.toBigDecimal(b);
                switch (op) {
                    case "+":
                        return x.add(y);
                    case "-":
                        return x.subtract(y);
                    case "*":
                        return x.multiply(y);
                    default:
                        if (y.signum() == 0) {
                            throw new SQLException("division by zero", "22012");
                        }
                        return GroupedMerge.divide(x, y);
                }
            }
            default:
                return integer(op, type, a.longValue(), b.longValue());
        }
    }

    private static double floatOp(String op, double x, double y) throws SQLException {
        switch (op) {
            case "+":
                return x + y;
            case "-":
                return x - y;
            case "*":
                return x * y;
            default:
                if (y == 0) {
                    throw new SQLException("division by zero", "22012");
                }
                return x / y;
        }
    }

    /** PostgreSQL's float overflow and underflow checks (float.h). */
    private static void checkFloat(double r, boolean infiniteInput, boolean zeroInput, String op) throws SQLException {
        if (Double.isInfinite(r) && !infiniteInput) {
            throw new SQLException("value out of range: overflow", "22003");
        }
        if (r == 0 && !zeroInput && (op.equals("*") || op.equals("/"))) {
            throw new SQLException("value out of range: underflow", "22003");
        }
    }

    private static Number integer(String op, String type, long x, long y) throws SQLException {
        long r;
        try {
            switch (op) {
                case "+" -> r = Math.addExact(x, y);
                case "-" -> r = Math.subtractExact(x, y);
                case "*" -> r = Math.multiplyExact(x, y);
                default -> {
                    if (y == 0) {
                        throw new SQLException("division by zero", "22012");
                    }
                    if (x == Long.MIN_VALUE && y == -1) {
                        throw new ArithmeticException();
                    }
                    r = x / y;
                }
            }
        } catch (ArithmeticException e) {
            r = Long.MIN_VALUE; // out of range for every width below
            if (type.equals("int8")) {
                throw new SQLException("bigint out of range", "22003");
            }
        }
        switch (type) {
            case "int2":
                if (r < Short.MIN_VALUE || r > Short.MAX_VALUE) {
                    throw new SQLException("smallint out of range", "22003");
                }
                return (int) r; // pgjdbc gives smallint as Integer
            case "int4":
                if (r < Integer.MIN_VALUE || r > Integer.MAX_VALUE) {
                    throw new SQLException("integer out of range", "22003");
                }
                return (int) r;
            default:
                return r;
        }
    }

    /**
     * Orders every shard's elements by the keys as PostgreSQL orders them and concatenates the
     * non-NULL values, each after the separator but the first. Keys equal between different values
     * leave PostgreSQL's order unspecified: refused rather than guessed.
     */
    @SuppressWarnings("unchecked")
    private Object stringAgg(Formula.StringAgg a, Object[] row, IntUnaryOperator column) throws SQLException {
        List<Object[]> values = (List<Object[]>) row[column.applyAsInt(a.values())];
        int width = a.keys().length;
        List<Object[]> elements = new ArrayList<>(); // keys..., value
        for (int shard = 0; shard < values.size(); shard++) {
            Object[] v = values.get(shard);
            for (int i = 0; i < v.length; i++) {
                Object[] e = new Object[width + 1];
                for (int k = 0; k < width; k++) {
                    e[k] = ((List<Object[]>) row[column.applyAsInt(a.keys()[k])]).get(shard)[i];
                }
                e[width] = v[i];
                elements.add(e);
            }
        }
        Comparator<Object[]> order = (x, y) -> {
            for (int k = 0; k < width; k++) {
                Object p = x[k];
                Object q = y[k];
                if (p == null || q == null) {
                    if (p == q) {
                        continue;
                    }
                    return (p == null) == a.nullsFirst()[k] ? -1 : 1;
                }
                int c = PgOrder.INSTANCE.compare(p, q);
                if (c != 0) {
                    return a.ascending()[k] ? c : -c;
                }
            }
            return 0;
        };
        elements.sort(order);
        StringBuilder sb = null;
        for (int i = 0; i < elements.size(); i++) {
            Object[] e = elements.get(i);
            if (i > 0
                    && order.compare(elements.get(i - 1), e) == 0
                    && !Objects.equals(elements.get(i - 1)[width], e[width])) {
                throw refuse("string_agg's ORDER BY ties between different values ('" + elements.get(i - 1)[width]
                        + "' and '" + e[width]
                        + "'), whose order PostgreSQL leaves unspecified; order by a unique key too");
            }
            if (e[width] != null) {
                sb = sb == null ? new StringBuilder() : sb.append(a.separator());
                sb.append((String) e[width]);
            }
        }
        return sb == null ? null : sb.toString();
    }

    /**
     * VAR_SAMP, VAR_POP, STDDEV_SAMP, STDDEV_POP (and VARIANCE, STDDEV) from the merged count, sum
     * and sum of squares, exact in numeric as PostgreSQL's numeric_stddev_internal computes them:
     * numerator N*sumX2 - sumX^2 (exact), NULL for no rows (or one row, for the sample forms), 0 for
     * a numerator that is not positive, else the quotient at select_div_scale's scale, and for the
     * deviations its square root at the same scale, rounded half away from zero.
     */
    static Object variance(String name, Object countValue, Object sumValue, Object squaresValue) {
        long n = countValue == null ? 0 : ((Number) countValue).longValue();
        boolean sample = !name.endsWith("_pop");
        if (n == 0 || (sample && n == 1)) {
            return null;
        }
        if (!(sumValue instanceof BigDecimal) || !(squaresValue instanceof BigDecimal)) {
            return Double.NaN; // a NaN or infinite input: PostgreSQL's numeric NaN (pgjdbc gives it as a Double)
        }
        BigDecimal count = BigDecimal.valueOf(n);
        BigDecimal sum = (BigDecimal) sumValue;
        BigDecimal numerator = count.multiply((BigDecimal) squaresValue).subtract(sum.multiply(sum));
        if (numerator.signum() <= 0) {
            return BigDecimal.ZERO;
        }
        BigDecimal denominator = sample ? count.multiply(BigDecimal.valueOf(n - 1)) : count.multiply(count);
        BigDecimal variance = GroupedMerge.divide(numerator, denominator);
        if (name.startsWith("var")) {
            return variance;
        }
        int scale = variance.scale();
        // floor(sqrt) with one more digit, then rounded: PostgreSQL's sqrt_var is correctly rounded.
        BigInteger scaled = variance.movePointRight(2 * scale + 2).toBigIntegerExact();
        BigDecimal root = new BigDecimal(scaled.sqrt(), scale + 1);
        return root.setScale(scale, RoundingMode.HALF_UP);
    }
}
