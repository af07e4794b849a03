package io.strata.router.internal;

import io.strata.router.internal.MergeSpec.Column;
import io.strata.router.internal.MergeSpec.OrderKey;
import io.strata.router.internal.MergeSpec.Role;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import net.sf.jsqlparser.JSQLParserException;
import net.sf.jsqlparser.expression.Alias;
import net.sf.jsqlparser.expression.AnalyticExpression;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.ExpressionVisitorAdapter;
import net.sf.jsqlparser.expression.Function;
import net.sf.jsqlparser.expression.JdbcParameter;
import net.sf.jsqlparser.expression.LongValue;
import net.sf.jsqlparser.expression.NullValue;
import net.sf.jsqlparser.expression.operators.relational.ExpressionList;
import net.sf.jsqlparser.statement.select.AllColumns;
import net.sf.jsqlparser.statement.select.Limit;
import net.sf.jsqlparser.statement.select.OrderByElement;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.SelectItem;

/**
 * Builds the {@link MergeSpec} of a SELECT that may reach several shards: rewrites the select list
 * (AVG to SUM plus a hidden COUNT, ORDER BY / GROUP BY expressions missing from the list appended
 * as hidden columns), drops LIMIT/OFFSET from the shard SQL (the limit is re-added per execution as
 * {@code LIMIT limit+offset} in streaming mode) and records how to merge.
 */
final class MergeBuilder {

    static final Set<String> MERGEABLE = Set.of("count", "sum", "min", "max", "avg");
    static final Set<String> OTHER_AGGREGATES = Set.of(
            "string_agg",
            "array_agg",
            "bool_and",
            "bool_or",
            "every",
            "stddev",
            "stddev_pop",
            "stddev_samp",
            "variance",
            "var_pop",
            "var_samp",
            "json_agg",
            "jsonb_agg",
            "json_object_agg",
            "jsonb_object_agg",
            "bit_and",
            "bit_or",
            "bit_xor",
            "percentile_cont",
            "percentile_disc",
            "mode",
            "corr",
            "covar_pop",
            "covar_samp",
            "regr_count",
            "xmlagg",
            "range_agg",
            "range_intersect_agg",
            "any_value");

    private MergeBuilder() {}

    static MergeSpec build(String numbered, Planner planner) throws Planner.Rejected {
        PlainSelect ps;
        try {
            ps = (PlainSelect) planner.parse(numbered);
        } catch (JSQLParserException e) {
            throw new Planner.Rejected("Strata: cannot re-parse the statement: " + e.getMessage());
        }
        if (ps.getFetch() != null) {
            throw new Planner.Rejected("Strata: FETCH FIRST across shards is not supported; use LIMIT.");
        }
        if (ps.getDistinct() != null && ps.getDistinct().getOnSelectItems() != null) {
            throw new Planner.Rejected(
                    "Strata: SELECT DISTINCT ON across shards is not supported." + Planner.HINT_HOWTO);
        }
        List<SelectItem<?>> items = ps.getSelectItems();
        boolean star = false;
        boolean anyAggregate = false;
        for (SelectItem<?> item : items) {
            Expression e = item.getExpression();
            if (e instanceof AllColumns) {
                star = true;
                continue;
            }
            Finder f = find(e);
            if (f.window) {
                throw new Planner.Rejected(
                        "Strata: window functions across shards are not supported." + Planner.HINT_HOWTO);
            }
            if (f.otherAggregate != null) {
                throw new Planner.Rejected("Strata: aggregate " + f.otherAggregate + "() across shards is not"
                        + " supported; COUNT, SUM, MIN, MAX and AVG are." + Planner.HINT_HOWTO);
            }
            if (f.aggregates > 0) {
                anyAggregate = true;
            }
        }
        boolean distinct = ps.getDistinct() != null;
        boolean grouping = anyAggregate || ps.getGroupBy() != null || distinct;
        if (ps.getHaving() != null) {
            throw new Planner.Rejected("Strata: HAVING across shards is not supported." + Planner.HINT_HOWTO);
        }
        if (distinct && anyAggregate) {
            throw new Planner.Rejected(
                    "Strata: SELECT DISTINCT with aggregates across shards is not supported." + Planner.HINT_HOWTO);
        }
        if (grouping && star && !distinct) {
            throw new Planner.Rejected("Strata: SELECT * with GROUP BY or aggregates across shards is not supported;"
                    + " name the columns." + Planner.HINT_HOWTO);
        }
        int visible = star ? -1 : items.size();
        List<Column> columns = new ArrayList<>();
        List<SelectItem<?>> hidden = new ArrayList<>();
        // roles of visible columns
        if (grouping && !star) {
            for (int i = 0; i < items.size(); i++) {
                SelectItem<?> item = items.get(i);
                Role role = role(item.getExpression());
                if (role == Role.AVG) {
                    hidden.add(avgCount(item, hidden.size()));
                    columns.add(new Column(i + 1, Role.AVG, -hidden.size()));
                    rewriteAvg(item);
                } else {
                    columns.add(new Column(i + 1, role, 0));
                }
            }
        }
        // GROUP BY expressions missing from the select list become hidden key columns.
        if (ps.getGroupBy() != null) {
            ExpressionList<?> groupBy = ps.getGroupBy().getGroupByExpressionList();
            if (ps.getGroupBy().getGroupingSets() != null
                    && !ps.getGroupBy().getGroupingSets().isEmpty()) {
                throw new Planner.Rejected(
                        "Strata: GROUPING SETS across shards are not supported." + Planner.HINT_HOWTO);
            }
            if (groupBy != null) {
                for (Expression g : groupBy) {
                    if (resolve(g, items, visible) == 0) {
                        hidden.add(new SelectItem<>(g, new Alias("__strata_g" + hidden.size())));
                        columns.add(new Column(-hidden.size(), Role.KEY, 0));
                    }
                }
            }
        }
        List<OrderKey> order = new ArrayList<>();
        if (ps.getOrderByElements() != null) {
            for (OrderByElement o : ps.getOrderByElements()) {
                Expression e = o.getExpression();
                int column = resolve(e, items, visible);
                if (column == 0) {
                    Role role = grouping ? role(e) : Role.KEY;
                    SelectItem<?> item = new SelectItem<>(e, new Alias("__strata_o" + hidden.size()));
                    if (role == Role.AVG) {
                        rewriteAvg(item);
                        hidden.add(item);
                        int sumColumn = -hidden.size();
                        hidden.add(avgCount(new SelectItem<>(e), hidden.size()));
                        columns.add(new Column(sumColumn, Role.AVG, -hidden.size()));
                        column = sumColumn;
                    } else {
                        hidden.add(item);
                        column = -hidden.size();
                        if (grouping) {
                            columns.add(new Column(column, role, 0));
                        }
                    }
                }
                boolean asc = o.isAsc();
                boolean nullsFirst = o.getNullOrdering() == null
                        ? !asc
                        : o.getNullOrdering() == OrderByElement.NullOrdering.NULLS_FIRST;
                order.add(new OrderKey(column, asc, nullsFirst));
            }
        }
        // LIMIT / OFFSET
        KeySource limit = null;
        KeySource offset = null;
        Limit l = ps.getLimit();
        if (l != null) {
            if (l.getRowCount() != null
                    && !l.isLimitAll()
                    && !l.isLimitNull()
                    && !(l.getRowCount() instanceof NullValue)) {
                limit = number(l.getRowCount());
            }
            if (l.getOffset() != null) {
                offset = number(l.getOffset());
            }
        }
        if (ps.getOffset() != null) {
            offset = number(ps.getOffset().getOffset());
        }
        if (offset != null && limit == null) {
            limit = KeySource.literal(null);
        }
        ps.setLimit(null);
        ps.setOffset(null);
        if (grouping) {
            ps.setOrderByElements(null);
        }
        if (!hidden.isEmpty()) {
            List<SelectItem<?>> all = new ArrayList<>(items);
            all.addAll(hidden);
            ps.setSelectItems(all);
        }
        SqlText.Renumbered shardSql = SqlText.unnumber(ps.toString());
        // Columns referenced as hidden (negative) are resolved at merge time, when the shard's
        // column count is known: shard column = count - hidden + k.
        return new MergeSpec(
                shardSql.sql(),
                shardSql.originalIndexes(),
                limit,
                offset,
                hidden.size(),
                order,
                grouping,
                grouping ? columns : null,
                distinct);
    }

    private static KeySource number(Expression e) throws Planner.Rejected {
        if (e instanceof LongValue lv) {
            return KeySource.literal(lv.getValue());
        }
        if (e instanceof JdbcParameter p) {
            return KeySource.parameter(p.getIndex(), false);
        }
        if (e instanceof NullValue) {
            return KeySource.literal(null);
        }
        throw new Planner.Rejected("Strata: LIMIT/OFFSET across shards must be a number or a parameter, was " + e);
    }

    /** 1-based visible column that an ORDER BY / GROUP BY expression names, or 0. */
    private static int resolve(Expression e, List<SelectItem<?>> items, int visible) {
        if (e instanceof LongValue lv && visible > 0) {
            long pos = lv.getValue();
            return pos >= 1 && pos <= visible ? (int) pos : 0;
        }
        String text = e.toString();
        if (e instanceof net.sf.jsqlparser.schema.Column c
                && (c.getTable() == null || c.getTable().getName() == null)) {
            String name = KeyConditions.normalizeIdentifier(c.getColumnName());
            for (int i = 0; i < items.size(); i++) {
                Alias a = items.get(i).getAlias();
                if (a != null && KeyConditions.normalizeIdentifier(a.getName()).equals(name)) {
                    return visible > 0 ? i + 1 : 0;
                }
            }
        }
        if (visible <= 0) {
            return 0;
        }
        for (int i = 0; i < items.size(); i++) {
            Expression ie = items.get(i).getExpression();
            if (ie != null && ie.toString().equalsIgnoreCase(text)) {
                return i + 1;
            }
        }
        return 0;
    }

    private static Role role(Expression e) throws Planner.Rejected {
        if (e instanceof Function f
                && f.getName() != null
                && MERGEABLE.contains(f.getName().toLowerCase(Locale.ROOT))) {
            if (f.isDistinct()) {
                throw new Planner.Rejected("Strata: " + f.getName() + "(DISTINCT ...) across shards is not supported."
                        + Planner.HINT_HOWTO);
            }
            if (f.getParameters() != null) {
                for (Expression p : f.getParameters()) {
                    if (find(p).aggregates > 0) {
                        throw new Planner.Rejected("Strata: nested aggregates are not supported.");
                    }
                }
            }
            if (f.getKeep() != null || f.getHavingClause() != null) {
                throw new Planner.Rejected("Strata: aggregate modifiers across shards are not supported.");
            }
            switch (f.getName().toLowerCase(Locale.ROOT)) {
                case "count":
                    return Role.COUNT;
                case "sum":
                    return Role.SUM;
                case "min":
                    return Role.MIN;
                case "max":
                    return Role.MAX;
                default:
                    return Role.AVG;
            }
        }
        Finder f = find(e);
        if (f.aggregates > 0) {
            throw new Planner.Rejected("Strata: an aggregate inside an expression (" + e + ") cannot be merged across"
                    + " shards; select the aggregate itself." + Planner.HINT_HOWTO);
        }
        return Role.KEY;
    }

    private static void rewriteAvg(SelectItem<?> item) {
        Function avg = (Function) item.getExpression();
        Function sum = new Function();
        sum.setName("sum");
        sum.setParameters(avg.getParameters());
        @SuppressWarnings("unchecked")
        SelectItem<Expression> typed = (SelectItem<Expression>) item;
        typed.setExpression(sum);
        if (item.getAlias() == null) {
            item.setAlias(new Alias(avg.getName().toLowerCase(Locale.ROOT)));
        }
    }

    private static SelectItem<?> avgCount(SelectItem<?> avgItem, int hiddenIndex) {
        Function avg = (Function) avgItem.getExpression();
        Function count = new Function();
        count.setName("count");
        count.setParameters(avg.getParameters());
        return new SelectItem<>(count, new Alias("__strata_c" + hiddenIndex));
    }

    /** What an expression contains. */
    static final class Finder extends ExpressionVisitorAdapter<Void> {
        int aggregates;
        String otherAggregate;
        boolean window;

        @Override
        public <S> Void visit(Function function, S context) {
            String name = function.getName() == null ? "" : function.getName().toLowerCase(Locale.ROOT);
            if (MERGEABLE.contains(name)) {
                aggregates++;
            } else if (OTHER_AGGREGATES.contains(name)) {
                otherAggregate = name;
                aggregates++;
            }
            return super.visit(function, context);
        }

        @Override
        public <S> Void visit(AnalyticExpression expression, S context) {
            window = true;
            return super.visit(expression, context);
        }
    }

    static Finder find(Expression e) {
        Finder f = new Finder();
        if (e != null) {
            e.accept(f, null);
        }
        return f;
    }
}
