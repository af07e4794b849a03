package io.strata.router.internal.merge;

import io.strata.router.internal.plan.MergeSpec.Formula;
import java.math.BigDecimal;
import java.sql.SQLException;
import java.util.function.IntUnaryOperator;

/**
 * Evaluates a {@link Formula} over one merged row as PostgreSQL evaluates the same expression:
 * bigint arithmetic on integral values (truncating division, overflow an error), numeric
 * arithmetic on decimals (exact sums and products, division at numeric's result scale), float8
 * on doubles; NULL propagates; comparisons and AND/OR/NOT follow three-valued logic.
 */
final class Formulas {

    private Formulas() {}

    static Object evaluate(Formula f, Object[] row, IntUnaryOperator column) throws SQLException {
        if (f instanceof Formula.Ref r) {
            return row[column.applyAsInt(r.column())];
        }
        if (f instanceof Formula.Const c) {
            return c.value();
        }
        if (f instanceof Formula.Unary u) {
            Object v = evaluate(u.operand(), row, column);
            if (v == null) {
                return null;
            }
            if (u.op().equals("NOT")) {
                return !bool(v);
            }
            return negate(number(v));
        }
        Formula.Op op = (Formula.Op) f;
        switch (op.op()) {
            case "AND": {
                Object a = evaluate(op.left(), row, column);
                if (a != null && !bool(a)) {
                    return false;
                }
                Object b = evaluate(op.right(), row, column);
                if (b != null && !bool(b)) {
                    return false;
                }
                return a == null || b == null ? null : Boolean.TRUE;
            }
            case "OR": {
                Object a = evaluate(op.left(), row, column);
                if (a != null && bool(a)) {
                    return true;
                }
                Object b = evaluate(op.right(), row, column);
                if (b != null && bool(b)) {
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
        switch (op.op()) {
            case "<":
                return PgOrder.INSTANCE.compare(a, b) < 0;
            case "<=":
                return PgOrder.INSTANCE.compare(a, b) <= 0;
            case ">":
                return PgOrder.INSTANCE.compare(a, b) > 0;
            case ">=":
                return PgOrder.INSTANCE.compare(a, b) >= 0;
            case "=":
                return PgOrder.INSTANCE.compare(a, b) == 0;
            case "<>":
                return PgOrder.INSTANCE.compare(a, b) != 0;
            default:
                return arithmetic(op.op(), number(a), number(b));
        }
    }

    private static boolean bool(Object v) throws SQLException {
        if (v instanceof Boolean b) {
            return b;
        }
        throw new SQLException("Strata: a condition after the merge is not boolean: " + v, "42804");
    }

    private static Number number(Object v) throws SQLException {
        if (v instanceof Number n) {
            return n;
        }
        throw new SQLException("Strata: arithmetic after the merge on a value that is not a number: " + v, "42883");
    }

    private static boolean isFloat(Number n) {
        return n instanceof Double || n instanceof Float;
    }

    private static Number negate(Number n) throws SQLException {
        if (isFloat(n)) {
            return -n.doubleValue();
        }
        if (PgOrder.isIntegral(n)) {
            if (n.longValue() == Long.MIN_VALUE) {
                throw new SQLException("bigint out of range", "22003");
            }
            return -n.longValue();
        }
        return PgOrder.toBigDecimal(n).negate();
    }

    static Number arithmetic(String op, Number a, Number b) throws SQLException {
        if (isFloat(a) || isFloat(b)) {
            double x = a.doubleValue();
            double y = b.doubleValue();
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
        if (PgOrder.isIntegral(a) && PgOrder.isIntegral(b)) {
            long x = a.longValue();
            long y = b.longValue();
            try {
                switch (op) {
                    case "+":
                        return Math.addExact(x, y);
                    case "-":
                        return Math.subtractExact(x, y);
                    case "*":
                        return Math.multiplyExact(x, y);
                    default:
                        if (y == 0) {
                            throw new SQLException("division by zero", "22012");
                        }
                        if (x == Long.MIN_VALUE && y == -1) {
                            throw new ArithmeticException();
                        }
                        return x / y;
                }
            } catch (ArithmeticException e) {
                throw new SQLException("bigint out of range", "22003");
            }
        }
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
}
