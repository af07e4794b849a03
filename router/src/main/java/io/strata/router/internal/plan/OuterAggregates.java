package io.strata.router.internal.plan;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import net.sf.jsqlparser.expression.AnalyticExpression;
import net.sf.jsqlparser.expression.AnalyticType;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.Function;
import net.sf.jsqlparser.schema.Column;
import net.sf.jsqlparser.schema.Table;
import net.sf.jsqlparser.statement.select.FromItem;
import net.sf.jsqlparser.statement.select.Join;
import net.sf.jsqlparser.statement.select.OrderByElement;
import net.sf.jsqlparser.statement.select.ParenthesedSelect;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.Select;
import net.sf.jsqlparser.statement.select.SelectItem;
import net.sf.jsqlparser.statement.select.SetOperationList;

/**
 * Refuses, in a statement merged across shards, an aggregate written inside a subquery that reads
 * only columns of an enclosing query ({@code select (select max(t.x)) from t}). PostgreSQL assigns
 * an aggregate to the query level of the columns it reads, so that is an aggregate of the outer
 * query, which the merge does not see (it looks for aggregates outside subqueries): each shard's
 * row would come back. Such an aggregate is recognised when the subquery has no FROM, or when every
 * column in the aggregate is qualified by a name the subquery (and the subqueries between) does not
 * declare; unqualified columns are taken as the subquery's own, as everywhere in the planner.
 */
final class OuterAggregates {

    private OuterAggregates() {}

    /** Throws {@link Planner.Rejected} when a subquery of {@code ps} holds an aggregate of an enclosing level. */
    static void check(PlainSelect ps) throws Planner.Rejected {
        for (Select sub : subqueries(expressionsOf(ps))) {
            checkSubquery(sub, new HashSet<>());
        }
    }

    private static void checkSubquery(Select select, Set<String> enclosingDeclared) throws Planner.Rejected {
        if (select instanceof ParenthesedSelect p) {
            checkSubquery(p.getSelect(), enclosingDeclared);
            return;
        }
        if (select instanceof SetOperationList sol) {
            for (Select s : sol.getSelects()) {
                checkSubquery(s, enclosingDeclared);
            }
            return;
        }
        if (!(select instanceof PlainSelect ps)) {
            return;
        }
        Set<String> declared = new HashSet<>(enclosingDeclared);
        boolean hasFrom = ps.getFromItem() != null;
        declare(ps.getFromItem(), declared);
        if (ps.getJoins() != null) {
            for (Join j : ps.getJoins()) {
                declare(j.getRightItem(), declared);
            }
        }
        List<Expression> own = expressionsOf(ps);
        for (Expression e : own) {
            for (Expression aggregate : aggregates(e)) {
                if (!hasFrom || readsOnlyUndeclared(aggregate, declared)) {
                    throw new Planner.Rejected("Strata: the aggregate " + aggregate + " inside a subquery reads only"
                            + " columns of an enclosing query, so it aggregates the enclosing query's rows, which"
                            + " are spread over shards; that cannot be merged. Move the aggregate out of the"
                            + " subquery." + Planner.HINT_HOWTO);
                }
            }
        }
        for (Select nested : subqueries(own)) {
            checkSubquery(nested, declared);
        }
    }

    private static void declare(FromItem item, Set<String> declared) {
        if (item == null) {
            return;
        }
        if (item.getAlias() != null && item.getAlias().getName() != null) {
            declared.add(KeyConditions.normalizeIdentifier(item.getAlias().getName()));
        }
        if (item instanceof Table t && t.getName() != null) {
            declared.add(KeyConditions.normalizeIdentifier(t.getName()));
        }
    }

    /** True when the aggregate reads at least one column and each is qualified by an undeclared name. */
    private static boolean readsOnlyUndeclared(Expression aggregate, Set<String> declared) {
        List<Column> columns = new ArrayList<>();
        aggregate.accept(
                new WholeExpressionVisitor<Void>() {
                    @Override
                    public <S> Void visit(Column column, S context) {
                        columns.add(column);
                        return null;
                    }
                },
                null);
        if (columns.isEmpty()) {
            return false;
        }
        for (Column c : columns) {
            Table t = c.getTable();
            if (t == null || t.getName() == null) {
                return false;
            }
            if (declared.contains(KeyConditions.normalizeIdentifier(t.getName()))) {
                return false;
            }
        }
        return true;
    }

    /** The aggregate calls in an expression, outside its subqueries. */
    private static List<Expression> aggregates(Expression e) {
        List<Expression> out = new ArrayList<>();
        e.accept(
                new WholeExpressionVisitor<Void>() {
                    @Override
                    public <S> Void visit(Function function, S context) {
                        String name = function.getName() == null
                                ? ""
                                : function.getName().toLowerCase(Locale.ROOT);
                        if (MergeBuilder.isAggregateName(name)) {
                            out.add(function);
                            return null;
                        }
                        return super.visit(function, context);
                    }

                    @Override
                    public <S> Void visit(AnalyticExpression expression, S context) {
                        if (expression.getType() == AnalyticType.FILTER_ONLY
                                || expression.getType() == AnalyticType.WITHIN_GROUP) {
                            out.add(expression);
                            return null;
                        }
                        return super.visit(expression, context);
                    }
                },
                null);
        return out;
    }

    /** The expressions of one query level: select list, WHERE, join conditions, HAVING, ORDER BY. */
    private static List<Expression> expressionsOf(PlainSelect ps) {
        List<Expression> out = new ArrayList<>();
        if (ps.getSelectItems() != null) {
            for (SelectItem<?> item : ps.getSelectItems()) {
                if (item.getExpression() != null) {
                    out.add(item.getExpression());
                }
            }
        }
        if (ps.getWhere() != null) {
            out.add(ps.getWhere());
        }
        if (ps.getJoins() != null) {
            for (Join j : ps.getJoins()) {
                if (j.getOnExpressions() != null) {
                    out.addAll(j.getOnExpressions());
                }
            }
        }
        if (ps.getHaving() != null) {
            out.add(ps.getHaving());
        }
        if (ps.getOrderByElements() != null) {
            for (OrderByElement o : ps.getOrderByElements()) {
                out.add(o.getExpression());
            }
        }
        return out;
    }

    /** The subqueries directly inside the expressions (not those nested deeper). */
    private static List<Select> subqueries(List<Expression> expressions) {
        List<Select> out = new ArrayList<>();
        for (Expression e : expressions) {
            out.addAll(Colocation.nestedSelects(e));
        }
        return out;
    }
}
