package io.strata.router.internal.plan;

import io.strata.router.internal.SqlStates;
import io.strata.router.internal.plan.MergeSpec.Column;
import io.strata.router.internal.plan.MergeSpec.OrderKey;
import io.strata.router.internal.plan.MergeSpec.Role;
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
import net.sf.jsqlparser.statement.select.AllTableColumns;
import net.sf.jsqlparser.statement.select.Fetch;
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
            "any_value",
            "json_agg_strict",
            "jsonb_agg_strict",
            "json_object_agg_strict",
            "jsonb_object_agg_strict",
            "json_object_agg_unique",
            "jsonb_object_agg_unique",
            "json_object_agg_unique_strict",
            "jsonb_object_agg_unique_strict",
            "json_arrayagg",
            "json_objectagg",
            "regr_avgx",
            "regr_avgy",
            "regr_intercept",
            "regr_r2",
            "regr_slope",
            "regr_sxx",
            "regr_sxy",
            "regr_syy",
            "rank",
            "dense_rank",
            "percent_rank",
            "cume_dist",
            "grouping",
            "listagg",
            "group_concat",
            "median");

    private MergeBuilder() {}

    static MergeSpec build(String sql, String numbered, Planner planner) throws Planner.Rejected {
        PlainSelect ps;
        try {
            ps = (PlainSelect) planner.parse(numbered);
        } catch (JSQLParserException e) {
            throw new Planner.Rejected("Strata: cannot re-parse the statement: " + e.getMessage());
        }
        if (numbered.toUpperCase(Locale.ROOT).contains("U&'")) {
            // JSqlParser 5.3 reads U&'..' as U & '..', so the rewritten shard SQL would differ.
            throw new Planner.Rejected(
                    "Strata: U&'...' strings cannot be rewritten for several shards." + Planner.HINT_HOWTO,
                    SqlStates.CANNOT_PARSE);
        }
        Fetch fetch = ps.getFetch();
        if (fetch != null && fetch.toString().toUpperCase(Locale.ROOT).contains("TIES")) {
            throw new Planner.Rejected(
                    "Strata: FETCH ... WITH TIES across shards is not supported." + Planner.HINT_HOWTO);
        }
        if (ps.getForUpdateTable() != null || ps.getForMode() != null) {
            if (ps.getLimit() != null || fetch != null || ps.getOffset() != null) {
                throw new Planner.Rejected("Strata: FOR UPDATE/SHARE with LIMIT/OFFSET across shards is not"
                        + " supported (each shard would lock rows the merged answer drops)." + Planner.HINT_HOWTO);
            }
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
        // ORDER BY may hold aggregates (which make the query an aggregate query even when the select
        // list has none) and window functions (which cannot be merged).
        if (ps.getOrderByElements() != null) {
            for (OrderByElement o : ps.getOrderByElements()) {
                Finder f = find(o.getExpression());
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
                checkCollation(o.getExpression());
            }
        }
        if (ps.getGroupBy() != null && ps.getGroupBy().getGroupByExpressionList() != null) {
            for (Object g : ps.getGroupBy().getGroupByExpressionList()) {
                Finder f = find((Expression) g);
                boolean groupingSet = g instanceof Function fn
                        && fn.getName() != null
                        && Set.of("rollup", "cube", "grouping sets")
                                .contains(fn.getName().toLowerCase(Locale.ROOT));
                if (f.window || f.aggregates > 0 || groupingSet) {
                    throw new Planner.Rejected(
                            "Strata: GROUP BY " + g + " cannot be merged across shards." + Planner.HINT_HOWTO);
                }
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
                for (Expression grouped : groupBy) {
                    Expression g = unparenthesize(grouped);
                    if (resolve(g, items, visible, false) == 0) {
                        hidden.add(new SelectItem<>(g, new Alias("__strata_g" + hidden.size())));
                        columns.add(new Column(-hidden.size(), Role.KEY, 0));
                    }
                }
            }
        }
        List<OrderKey> order = new ArrayList<>();
        if (ps.getOrderByElements() != null) {
            for (OrderByElement o : ps.getOrderByElements()) {
                Expression e = unparenthesize(o.getExpression());
                int column = resolve(e, items, visible, true);
                if (column == 0 && distinct && !inStarOutput(e, items)) {
                    // PostgreSQL refuses it ("ORDER BY expressions must appear in select list"); a
                    // hidden column would instead widen what DISTINCT compares.
                    throw new Planner.Rejected("Strata: with SELECT DISTINCT, ORDER BY " + o.getExpression()
                            + " must name a column of the select list (by position, name or the same"
                            + " expression) to be merged across shards." + Planner.HINT_HOWTO);
                }
                if (column == 0) {
                    Role role = grouping ? role(e) : Role.KEY;
                    SelectItem<?> item =
                            new SelectItem<>(hiddenOrderExpression(e, items), new Alias("__strata_o" + hidden.size()));
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
        if (fetch != null) {
            // FETCH FIRST/NEXT [n] ROW(S) ONLY: n defaults to 1.
            Expression count = fetch.getExpression();
            if (count == null && fetch.getFetchJdbcParameter() != null) {
                count = fetch.getFetchJdbcParameter();
            }
            limit = count == null ? KeySource.literal(1L) : number(count);
        }
        if (offset != null && limit == null) {
            limit = KeySource.literal(null);
        }
        boolean rewritten = !hidden.isEmpty()
                || ps.getLimit() != null
                || ps.getOffset() != null
                || fetch != null
                || (grouping && ps.getOrderByElements() != null);
        ps.setLimit(null);
        ps.setOffset(null);
        ps.setFetch(null);
        if (grouping) {
            ps.setOrderByElements(null);
        }
        if (!hidden.isEmpty()) {
            List<SelectItem<?>> all = new ArrayList<>(items);
            all.addAll(hidden);
            ps.setSelectItems(all);
        }
        // Unchanged statements go to the shards as written: JSqlParser's reprint is only used when
        // the statement must change (it does not always print what it read, e.g. ROLLUP, U&'..').
        SqlText.Renumbered shardSql = rewritten ? SqlText.unnumber(ps.toString()) : new SqlText.Renumbered(sql, null);
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

    /**
     * 1-based shard column that an ORDER BY / GROUP BY expression names, or 0 when it must be
     * fetched as a hidden column. Follows PostgreSQL: a position names an output column; a bare
     * name in ORDER BY names an output column (an alias, or a column item of that name) before an
     * input column. Hidden columns come after every visible one, so with {@code SELECT *} a
     * position is still the shard row's column.
     */
    private static int resolve(Expression e, List<SelectItem<?>> items, int visible, boolean orderBy)
            throws Planner.Rejected {
        if (e instanceof LongValue lv) {
            long pos = lv.getValue();
            if (visible > 0) {
                return pos >= 1 && pos <= visible ? (int) pos : 0;
            }
            return orderBy && pos >= 1 && pos <= 1600 ? (int) pos : 0; // 1600: PostgreSQL's column limit
        }
        String text = e.toString();
        if (e instanceof net.sf.jsqlparser.schema.Column c
                && (c.getTable() == null || c.getTable().getName() == null)) {
            String name = KeyConditions.normalizeIdentifier(c.getColumnName());
            for (int i = 0; i < items.size(); i++) {
                Alias a = items.get(i).getAlias();
                if (a != null && KeyConditions.normalizeIdentifier(a.getName()).equals(name)) {
                    // GROUP BY prefers an input column of that name over the alias ("count(*) AS status
                    // ... GROUP BY status" groups by t.status); which one exists is not known here.
                    if (!orderBy
                            && !(items.get(i).getExpression() instanceof net.sf.jsqlparser.schema.Column ic
                                    && KeyConditions.normalizeIdentifier(ic.getColumnName())
                                            .equals(name))) {
                        throw new Planner.Rejected("Strata: GROUP BY " + name + " names an output alias ("
                                + items.get(i) + ") and maybe an input column too; PostgreSQL groups by the"
                                + " input column if there is one. Group by the expression or by position to merge"
                                + " it across shards." + Planner.HINT_HOWTO);
                    }
                    return visible > 0 ? i + 1 : 0;
                }
            }
            if (orderBy && visible > 0) {
                for (int i = 0; i < items.size(); i++) {
                    if (items.get(i).getAlias() == null
                            && unparenthesize(items.get(i).getExpression())
                                    instanceof net.sf.jsqlparser.schema.Column ic
                            && KeyConditions.normalizeIdentifier(ic.getColumnName())
                                    .equals(name)) {
                        return i + 1;
                    }
                }
            }
        }
        if (visible <= 0) {
            return 0;
        }
        for (int i = 0; i < items.size(); i++) {
            Expression ie = items.get(i).getExpression();
            if (ie != null
                    && (ie.toString().equalsIgnoreCase(text)
                            || unparenthesize(ie).toString().equalsIgnoreCase(text))) {
                return i + 1;
            }
        }
        return 0;
    }

    /**
     * True when an ORDER BY column is certainly part of what {@code *} or {@code t.*} outputs, so
     * fetching it again as a hidden column does not change what DISTINCT compares: any column
     * under a plain {@code *}; under {@code t.*}, a bare name (fetched as t.name) or t.name.
     */
    private static boolean inStarOutput(Expression e, List<SelectItem<?>> items) {
        if (!(e instanceof net.sf.jsqlparser.schema.Column c)) {
            return false;
        }
        String qualifier = c.getTable() == null || c.getTable().getName() == null
                ? null
                : KeyConditions.normalizeIdentifier(c.getTable().getName());
        int tableStars = 0;
        boolean qualifierMatches = false;
        for (SelectItem<?> item : items) {
            if (item.getExpression() instanceof AllTableColumns t) {
                tableStars++;
                qualifierMatches |= qualifier != null
                        && t.getTable() != null
                        && qualifier.equals(
                                KeyConditions.normalizeIdentifier(t.getTable().getName()));
            } else if (item.getExpression() instanceof AllColumns) {
                return true;
            }
        }
        return qualifier == null ? tableStars == 1 : qualifierMatches;
    }

    /**
     * The expression fetched as a hidden ORDER BY column. A bare name under {@code SELECT t.*}
     * names t's output column in PostgreSQL, but as a select-list item it would be an input column,
     * ambiguous in a self-join; so it is qualified with t.
     */
    private static Expression hiddenOrderExpression(Expression e, List<SelectItem<?>> items) {
        if (!(e instanceof net.sf.jsqlparser.schema.Column c)
                || (c.getTable() != null && c.getTable().getName() != null)) {
            return e;
        }
        // An output alias (only unresolved here because a star hides its position): fetch its expression.
        String name = KeyConditions.normalizeIdentifier(c.getColumnName());
        for (SelectItem<?> item : items) {
            if (item.getAlias() != null
                    && KeyConditions.normalizeIdentifier(item.getAlias().getName())
                            .equals(name)) {
                return item.getExpression();
            }
        }
        net.sf.jsqlparser.schema.Table only = null;
        for (SelectItem<?> item : items) {
            if (item.getExpression() instanceof AllTableColumns t) {
                if (only != null) {
                    return e;
                }
                only = t.getTable();
            } else if (item.getExpression() instanceof AllColumns) {
                return e;
            }
        }
        if (only == null) {
            return e;
        }
        return new net.sf.jsqlparser.schema.Column(only, c.getColumnName());
    }

    /**
     * PostgreSQL's grammar drops parentheses: {@code ORDER BY (name)} is a bare name (an output
     * column first) and {@code ORDER BY (2)} a position.
     */
    static Expression unparenthesize(Expression e) {
        while (true) {
            if (e instanceof net.sf.jsqlparser.expression.Parenthesis p) {
                e = p.getExpression();
            } else if (e instanceof net.sf.jsqlparser.expression.operators.relational.ParenthesedExpressionList<?> l
                    && l.size() == 1) {
                e = l.get(0);
            } else {
                return e;
            }
        }
    }

    /** Rejects an ORDER BY under a collation the merge does not compare by (it compares as "C"). */
    private static void checkCollation(Expression e) throws Planner.Rejected {
        Finder f = find(e);
        for (String collation : f.collations) {
            String name = Planner.unquote(collation.trim()).toLowerCase(Locale.ROOT);
            if (!name.equals("c") && !name.equals("posix") && !name.equals("ucs_basic")) {
                throw new Planner.Rejected("Strata: ORDER BY ... COLLATE " + collation + " across shards is not"
                        + " supported; the merge orders text as COLLATE \"C\"." + Planner.HINT_HOWTO);
            }
        }
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
        final List<String> collations = new ArrayList<>();

        @Override
        public <S> Void visit(net.sf.jsqlparser.expression.CollateExpression collate, S context) {
            collations.add(collate.getCollate());
            return super.visit(collate, context);
        }

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
