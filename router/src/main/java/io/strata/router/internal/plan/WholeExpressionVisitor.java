package io.strata.router.internal.plan;

import net.sf.jsqlparser.expression.AnalyticExpression;
import net.sf.jsqlparser.expression.AnyComparisonExpression;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.ExpressionVisitorAdapter;
import net.sf.jsqlparser.expression.Function;
import net.sf.jsqlparser.expression.TrimFunction;

/**
 * JSqlParser 5.3's {@link ExpressionVisitorAdapter}, completed where it does not reach every
 * sub-expression, so that no aggregate or subquery the planner must know about hides from it:
 *
 * <ul>
 *   <li>{@code TRIM}: the adapter visits only TRIM's character operand, so {@code trim(both from x)}
 *       (how Hibernate 6 writes HQL's {@code trim}) threw a NullPointerException and {@code
 *       trim(both ' ' from max(x))} hid {@code max(x)};
 *   <li>functions with keyword arguments ({@code substring(max(t) from 1 for 2)}, {@code
 *       overlay(... placing ... from ...)}, {@code position(... in ...)}): JSqlParser keeps them as
 *       named parameters, which the adapter never visits, so {@code max(t)} was not seen and each
 *       shard's row came back (four rows for one);
 *   <li>an aggregate's {@code FILTER (WHERE ...)} and a window's {@code PARTITION BY}: never
 *       visited, so {@code count(*) filter (where x in (select ... from sharded))} ran its
 *       subquery on each shard against that shard's rows only (2 counted where 5 were right);
 *   <li>{@code x = ANY / SOME / ALL (SELECT ...)}: the subquery was never visited (the WHERE clause
 *       caught it another way, a FILTER clause did not).
 * </ul>
 *
 * Every expression scan of the planner extends this class instead.
 */
class WholeExpressionVisitor<T> extends ExpressionVisitorAdapter<T> {

    @Override
    public <S> T visit(TrimFunction trim, S context) {
        if (trim.getExpression() != null) {
            trim.getExpression().accept(this, context);
        }
        if (trim.getFromExpression() != null) {
            trim.getFromExpression().accept(this, context);
        }
        return null;
    }

    @Override
    public <S> T visit(Function function, S context) {
        T result = super.visit(function, context);
        if (function.getNamedParameters() != null) {
            for (Object e : function.getNamedParameters()) {
                if (e instanceof Expression x) {
                    x.accept(this, context);
                }
            }
        }
        return result;
    }

    @Override
    public <S> T visit(AnalyticExpression expression, S context) {
        T result = super.visit(expression, context);
        if (expression.getFilterExpression() != null) {
            expression.getFilterExpression().accept(this, context);
        }
        if (expression.getPartitionExpressionList() != null) {
            for (Object e : expression.getPartitionExpressionList()) {
                if (e instanceof Expression x) {
                    x.accept(this, context);
                }
            }
        }
        return result;
    }

    @Override
    public <S> T visit(AnyComparisonExpression any, S context) {
        if (any.getSelect() != null) {
            any.getSelect().accept(this, context);
        }
        return null;
    }
}
