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
import net.sf.jsqlparser.expression.AnalyticType;
import net.sf.jsqlparser.expression.Expression;
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

    static final Set<String> MERGEABLE = Set.of("count", "sum", "min", "max", "avg", "bool_and", "bool_or", "every");
    /** Ordered-set and hypothetical-set aggregates (WITHIN GROUP): they need every row. */
    static final Set<String> ORDERED_SET =
            Set.of("percentile_cont", "percentile_disc", "mode", "rank", "dense_rank", "percent_rank", "cume_dist");

    /** Merged from COUNT(x), SUM(x::numeric) and SUM(x::numeric * x::numeric): {@link MergeSpec.Formula.Variance}. */
    static final Set<String> VARIANCE =
            Set.of("stddev", "stddev_pop", "stddev_samp", "variance", "var_pop", "var_samp");

    /** Merged from per-shard arrays of values and ORDER BY keys: {@link MergeSpec.Formula.StringAgg}. */
    static final String STRING_AGG = "string_agg";

    static final Set<String> OTHER_AGGREGATES = Set.of(
            "array_agg",
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

    static MergeSpec build(String sql, String numbered, Planner planner, List<KeyConditions.Occurrence> top)
            throws Planner.Rejected {
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
        refuseWithTies(fetch);
        if (ps.getForUpdateTable() != null || ps.getForMode() != null) {
            if (ps.getLimit() != null || fetch != null || ps.getOffset() != null) {
                throw new Planner.Rejected("Strata: FOR UPDATE/SHARE with LIMIT/OFFSET across shards is not"
                        + " supported (each shard would lock rows the merged answer drops)." + Planner.HINT_HOWTO);
            }
        }
        // DISTINCT ON (a, b) ... ORDER BY a, b, ...: each shard keeps its first row per (a, b); the
        // merged stream, in ORDER BY order, keeps the first row of each run of equal (a, b).
        int distinctOn = 0;
        if (ps.getDistinct() != null && ps.getDistinct().getOnSelectItems() != null) {
            List<SelectItem<?>> on = ps.getDistinct().getOnSelectItems();
            List<OrderByElement> ob = ps.getOrderByElements();
            java.util.Set<String> onTexts = new java.util.HashSet<>();
            for (SelectItem<?> item : on) {
                onTexts.add(unparenthesize(item.getExpression()).toString().toLowerCase(Locale.ROOT));
            }
            java.util.Set<String> leading = new java.util.HashSet<>();
            for (int i = 0; ob != null && i < on.size() && i < ob.size(); i++) {
                leading.add(unparenthesize(ob.get(i).getExpression()).toString().toLowerCase(Locale.ROOT));
            }
            if (ob == null || ob.size() < on.size() || !onTexts.equals(leading)) {
                throw new Planner.Rejected("Strata: SELECT DISTINCT ON across shards needs an ORDER BY that starts with"
                        + " the DISTINCT ON expressions, written the same way." + Planner.HINT_HOWTO);
            }
            distinctOn = on.size();
        }
        // An aggregate of this level written inside a subquery is invisible to the merge below.
        OuterAggregates.check(ps);
        // GROUPING SETS / ROLLUP / CUBE first: nothing below may rewrite them into shard SQL.
        if (ps.getGroupBy() != null) {
            if (ps.getGroupBy().getGroupingSets() != null
                    && !ps.getGroupBy().getGroupingSets().isEmpty()) {
                throw new Planner.Rejected(
                        "Strata: GROUP BY GROUPING SETS across shards is not supported." + Planner.HINT_HOWTO);
            }
            if (ps.getGroupBy().getGroupByExpressionList() != null) {
                for (Object g : ps.getGroupBy().getGroupByExpressionList()) {
                    if (g instanceof Function fn
                            && fn.getName() != null
                            && Set.of("rollup", "cube", "grouping sets")
                                    .contains(fn.getName().toLowerCase(Locale.ROOT))) {
                        throw new Planner.Rejected(
                                "Strata: GROUP BY " + fn.getName().toUpperCase(Locale.ROOT)
                                        + " across shards is not supported." + Planner.HINT_HOWTO);
                    }
                }
            }
        }
        List<SelectItem<?>> items = ps.getSelectItems();
        boolean star = false;
        boolean anyAggregate = false;
        boolean windows = false;
        for (SelectItem<?> item : items) {
            Expression e = item.getExpression();
            if (e instanceof AllColumns) {
                star = true;
                continue;
            }
            Finder f = find(e);
            f.checkWindows(top);
            f.check();
            if (f.aggregates > 0) {
                anyAggregate = true;
            }
            windows |= !f.windows.isEmpty();
        }
        // ORDER BY may hold aggregates (which make the query an aggregate query even when the select
        // list has none) and window functions (which cannot be merged).
        if (ps.getOrderByElements() != null) {
            for (OrderByElement o : ps.getOrderByElements()) {
                Finder f = find(o.getExpression());
                f.checkWindows(top);
                f.check();
                windows |= !f.windows.isEmpty();
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
        boolean distinct = ps.getDistinct() != null && distinctOn == 0;
        if (distinctOn > 0 && anyAggregate) {
            throw new Planner.Rejected(
                    "Strata: SELECT DISTINCT ON with aggregates across shards is not supported." + Planner.HINT_HOWTO);
        }
        if (ps.getHaving() != null) {
            Finder f = find(ps.getHaving());
            f.check();
            anyAggregate |= f.aggregates > 0;
        }
        boolean grouping = anyAggregate || ps.getGroupBy() != null || distinct;
        if (windows && (anyAggregate || ps.getGroupBy() != null)) {
            throw new Planner.Rejected(
                    "Strata: window functions over grouped rows across shards are not supported." + Planner.HINT_HOWTO);
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
        List<MergeSpec.Computed> computed = new ArrayList<>();
        List<Expression> distinctArgs = new ArrayList<>();
        if (grouping && !star) {
            for (int i = 0; i < items.size(); i++) {
                SelectItem<?> item = items.get(i);
                Expression e = unparenthesize(item.getExpression());
                if (isDistinctAggregate(e)) {
                    distinctAggregate(item, i + 1, hidden, columns, distinctArgs);
                    continue;
                }
                if (!isAggregate(e) && find(e).aggregates > 0) {
                    MergeSpec.Formula formula = formula(e, hidden, columns, distinctArgs);
                    computed.add(new MergeSpec.Computed(i + 1, formula));
                    columns.add(new Column(i + 1, Role.COMPUTED, 0));
                    placeholder(item);
                    continue;
                }
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
        MergeSpec.Formula having = null;
        if (ps.getHaving() != null) {
            // The condition is evaluated after the merge; each shard still type-checks it (a typed NULL
            // column), so a condition PostgreSQL refuses fails the same way, and its type is known.
            MergeSpec.Formula condition = formula(ps.getHaving(), hidden, columns, distinctArgs);
            SelectItem<?> item = new SelectItem<>(ps.getHaving(), new Alias("__strata_h" + hidden.size()));
            placeholder(item);
            hidden.add(item);
            columns.add(new Column(-hidden.size(), Role.COMPUTED, 0));
            computed.add(new MergeSpec.Computed(-hidden.size(), condition));
            having = new MergeSpec.Formula.Ref(-hidden.size());
            ps.setHaving(null);
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
                if (column == 0 && grouping && !isAggregate(e) && find(e).aggregates > 0) {
                    MergeSpec.Formula formula = formula(e, hidden, columns, distinctArgs);
                    SelectItem<?> item = new SelectItem<>(e, new Alias("__strata_o" + hidden.size()));
                    placeholder(item);
                    hidden.add(item);
                    column = -hidden.size();
                    computed.add(new MergeSpec.Computed(column, formula));
                    columns.add(new Column(column, Role.COMPUTED, 0));
                }
                if (column == 0 && grouping && isDistinctAggregate(e)) {
                    SelectItem<?> item = new SelectItem<>(e, new Alias("__strata_o" + hidden.size()));
                    hidden.add(item);
                    column = -hidden.size();
                    distinctAggregate(item, column, hidden, columns, distinctArgs);
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
            limit = fetchLimit(fetch);
        }
        if (offset != null && limit == null) {
            limit = KeySource.literal(null);
        }
        boolean oneRow = grouping && !distinct && ps.getGroupBy() == null;
        if (!distinctArgs.isEmpty()) {
            // Each shard groups by the DISTINCT arguments too: finer groups whose partials still add up,
            // and whose argument values the merge de-duplicates across shards.
            if (ps.getGroupBy() == null) {
                ps.setGroupByElement(new net.sf.jsqlparser.statement.select.GroupByElement());
            }
            ExpressionList<Expression> list = new ExpressionList<>();
            if (ps.getGroupBy().getGroupByExpressionList() != null) {
                for (Object g : ps.getGroupBy().getGroupByExpressionList()) {
                    list.add((Expression) g);
                }
            }
            list.addAll(distinctArgs);
            ps.getGroupBy().setGroupByExpressions(list);
        }
        boolean rewritten = !hidden.isEmpty()
                || !distinctArgs.isEmpty()
                || !computed.isEmpty()
                || having != null
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
                distinct,
                computed,
                having,
                oneRow,
                distinctOn);
    }

    /** FETCH ... WITH TIES keeps rows tied with the last one: no merge of per-shard rows reproduces it. */
    static void refuseWithTies(Fetch fetch) throws Planner.Rejected {
        if (fetch != null && fetch.toString().toUpperCase(Locale.ROOT).contains("TIES")) {
            throw new Planner.Rejected(
                    "Strata: FETCH ... WITH TIES across shards is not supported." + Planner.HINT_HOWTO);
        }
    }

    /** The row count of FETCH FIRST/NEXT [n] ROW(S) ONLY (jOOQ's and Hibernate's LIMIT): n defaults to 1. */
    static KeySource fetchLimit(Fetch fetch) throws Planner.Rejected {
        Expression count = fetch.getExpression();
        if (count == null && fetch.getFetchJdbcParameter() != null) {
            count = fetch.getFetchJdbcParameter();
        }
        return count == null ? KeySource.literal(1L) : number(count);
    }

    static KeySource number(Expression e) throws Planner.Rejected {
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

    /** The name of an aggregate call (plain or with FILTER), lower case, or null. */
    static String aggregateName(Expression e) {
        String name = null;
        if (e instanceof Function f) {
            name = f.getName();
        } else if (e instanceof AnalyticExpression a && a.getType() == AnalyticType.FILTER_ONLY) {
            name = a.getName();
        }
        return name == null ? null : name.toLowerCase(Locale.ROOT);
    }

    /** True for a call of an aggregate the merge combines (COUNT, SUM, MIN, MAX, AVG, BOOL_AND/OR, EVERY). */
    static boolean isAggregate(Expression e) {
        String name = aggregateName(e);
        return name != null && MERGEABLE.contains(name);
    }

    /** True for the lower-case name of any aggregate PostgreSQL has, merged by Strata or not. */
    static boolean isAggregateName(String name) {
        return MERGEABLE.contains(name)
                || VARIANCE.contains(name)
                || STRING_AGG.equals(name)
                || OTHER_AGGREGATES.contains(name);
    }

    private static boolean isDistinct(Expression e) {
        return e instanceof Function f ? f.isDistinct() : e instanceof AnalyticExpression a && a.isDistinct();
    }

    /** COUNT/SUM/AVG(DISTINCT x) of one argument, without FILTER: merged from the shards' distinct x values. */
    static boolean isDistinctAggregate(Expression e) {
        String name = aggregateName(e);
        return e instanceof Function f
                && f.isDistinct()
                && Set.of("count", "sum", "avg").contains(name)
                && f.getParameters() != null
                && f.getParameters().size() == 1
                && f.getOrderByElements() == null;
    }

    /**
     * A DISTINCT aggregate at shard column {@code column}: the column becomes a typed NULL on the
     * shards (its label kept), the argument a hidden column grouped by on the shards.
     */
    private static void distinctAggregate(
            SelectItem<?> item, int column, List<SelectItem<?>> hidden, List<Column> columns, List<Expression> args)
            throws Planner.Rejected {
        Function f = (Function) unparenthesize(item.getExpression());
        Expression arg = f.getParameters().get(0);
        if (find(arg).aggregates > 0 || find(arg).window) {
            throw new Planner.Rejected("Strata: nested aggregates are not supported.");
        }
        String name = f.getName().toLowerCase(Locale.ROOT);
        Role role =
                name.equals("count") ? Role.COUNT_DISTINCT : name.equals("sum") ? Role.SUM_DISTINCT : Role.AVG_DISTINCT;
        int argColumn = distinctArg(arg, hidden, columns, args);
        columns.add(new Column(column, role, argColumn));
        placeholder(item);
    }

    private static int distinctArg(
            Expression arg, List<SelectItem<?>> hidden, List<Column> columns, List<Expression> args) {
        for (Column c : columns) {
            if (c.role() == Role.DISTINCT_ARG
                    && args.get(c.countColumn()).toString().equals(arg.toString())) {
                return c.index();
            }
        }
        hidden.add(new SelectItem<>(arg, new Alias("__strata_d" + hidden.size())));
        args.add(arg);
        columns.add(new Column(-hidden.size(), Role.DISTINCT_ARG, args.size() - 1));
        return -hidden.size();
    }

    /**
     * Replaces a select item computed after the merge by {@code CASE WHEN false THEN expr END}: the
     * shard reports the column's type and returns NULL (never evaluating, e.g. dividing by zero),
     * and the label stays PostgreSQL's.
     */
    private static void placeholder(SelectItem<?> item) throws Planner.Rejected {
        Expression e = item.getExpression();
        if (item.getAlias() == null) {
            Expression u = unparenthesize(e);
            String label;
            if (u instanceof Function f && f.getName() != null) {
                label = f.getName().toLowerCase(Locale.ROOT);
            } else if (aggregateName(u) != null) {
                label = aggregateName(u);
            } else if (u instanceof net.sf.jsqlparser.expression.BinaryExpression
                    || u instanceof net.sf.jsqlparser.expression.SignedExpression
                    || u instanceof net.sf.jsqlparser.expression.NotExpression) {
                label = "?column?";
            } else {
                throw new Planner.Rejected("Strata: give " + e + " a column alias (AS name) to merge it across shards."
                        + Planner.HINT_HOWTO);
            }
            item.setAlias(new Alias("\"" + label + "\""));
        }
        net.sf.jsqlparser.expression.CaseExpression c = new net.sf.jsqlparser.expression.CaseExpression();
        net.sf.jsqlparser.expression.WhenClause w = new net.sf.jsqlparser.expression.WhenClause();
        w.setWhenExpression(new net.sf.jsqlparser.expression.BooleanValue(false));
        w.setThenExpression(new net.sf.jsqlparser.expression.operators.relational.ParenthesedExpressionList<>(e));
        c.setWhenClauses(List.of(w));
        @SuppressWarnings("unchecked")
        SelectItem<Expression> typed = (SelectItem<Expression>) item;
        typed.setExpression(c);
    }

    /**
     * An expression over aggregates (and number literals) computed after the merge: each aggregate
     * becomes a hidden merged column.
     */
    private static MergeSpec.Formula formula(
            Expression e, List<SelectItem<?>> hidden, List<Column> columns, List<Expression> args)
            throws Planner.Rejected {
        e = unparenthesize(e);
        if (isDistinctAggregate(e)) {
            SelectItem<?> item = new SelectItem<>(e, new Alias("__strata_x" + hidden.size()));
            hidden.add(item);
            int column = -hidden.size();
            distinctAggregate(item, column, hidden, columns, args);
            return new MergeSpec.Formula.Ref(column);
        }
        if (aggregateName(e) != null && VARIANCE.contains(aggregateName(e))) {
            return variance(e, hidden, columns);
        }
        if (STRING_AGG.equals(aggregateName(e))) {
            return stringAgg(e, hidden, columns);
        }
        if (isAggregate(e)) {
            Role role = role(e);
            SelectItem<?> item = new SelectItem<>(e, new Alias("__strata_x" + hidden.size()));
            if (role == Role.AVG) {
                rewriteAvg(item);
                hidden.add(item);
                int sumColumn = -hidden.size();
                hidden.add(avgCount(new SelectItem<>(e), hidden.size()));
                columns.add(new Column(sumColumn, Role.AVG, -hidden.size()));
                return new MergeSpec.Formula.Ref(sumColumn);
            }
            hidden.add(item);
            columns.add(new Column(-hidden.size(), role, 0));
            return new MergeSpec.Formula.Ref(-hidden.size());
        }
        if (e instanceof LongValue lv) {
            return new MergeSpec.Formula.Const(lv.getValue());
        }
        if (e instanceof net.sf.jsqlparser.expression.DoubleValue d) {
            try {
                return new MergeSpec.Formula.Const(new java.math.BigDecimal(d.toString()));
            } catch (NumberFormatException ex) {
                throw new Planner.Rejected("Strata: the number " + d + " cannot be used after the merge.");
            }
        }
        if (e instanceof NullValue) {
            return new MergeSpec.Formula.Const(null);
        }
        if (e instanceof JdbcParameter p && p.getIndex() != null) {
            // HAVING count(*) > ? as jOOQ and Hibernate write it: typed and valued per execution.
            return new MergeSpec.Formula.Param(p.getIndex());
        }
        if (e instanceof net.sf.jsqlparser.expression.SignedExpression se) {
            MergeSpec.Formula inner = formula(se.getExpression(), hidden, columns, args);
            return se.getSign() == '-' ? new MergeSpec.Formula.Unary("-", inner) : inner;
        }
        if (e instanceof net.sf.jsqlparser.expression.NotExpression n) {
            return new MergeSpec.Formula.Unary("NOT", formula(n.getExpression(), hidden, columns, args));
        }
        String op = null;
        if (e instanceof net.sf.jsqlparser.expression.operators.arithmetic.Addition) {
            op = "+";
        } else if (e instanceof net.sf.jsqlparser.expression.operators.arithmetic.Subtraction) {
            op = "-";
        } else if (e instanceof net.sf.jsqlparser.expression.operators.arithmetic.Multiplication) {
            op = "*";
        } else if (e instanceof net.sf.jsqlparser.expression.operators.arithmetic.Division) {
            op = "/";
        } else if (e instanceof net.sf.jsqlparser.expression.operators.conditional.AndExpression) {
            op = "AND";
        } else if (e instanceof net.sf.jsqlparser.expression.operators.conditional.OrExpression) {
            op = "OR";
        } else if (e instanceof net.sf.jsqlparser.expression.operators.relational.ComparisonOperator c
                && Set.of("<", "<=", ">", ">=", "=", "<>", "!=").contains(c.getStringExpression())) {
            op = c.getStringExpression().equals("!=") ? "<>" : c.getStringExpression();
        }
        if (e instanceof net.sf.jsqlparser.expression.operators.relational.Between between) {
            // x BETWEEN a AND b is x >= a AND x <= b (x evaluated once); NOT BETWEEN its negation,
            // which three-valued logic keeps equal to x < a OR x > b. (SYMMETRIC is refused earlier.)
            MergeSpec.Formula x = formula(between.getLeftExpression(), hidden, columns, args);
            MergeSpec.Formula in = new MergeSpec.Formula.Op(
                    "AND",
                    new MergeSpec.Formula.Op(
                            ">=", x, formula(between.getBetweenExpressionStart(), hidden, columns, args)),
                    new MergeSpec.Formula.Op(
                            "<=", x, formula(between.getBetweenExpressionEnd(), hidden, columns, args)));
            return between.isNot() ? new MergeSpec.Formula.Unary("NOT", in) : in;
        }
        if (op != null && e instanceof net.sf.jsqlparser.expression.BinaryExpression b) {
            return new MergeSpec.Formula.Op(
                    op,
                    formula(b.getLeftExpression(), hidden, columns, args),
                    formula(b.getRightExpression(), hidden, columns, args));
        }
        throw new Planner.Rejected("Strata: " + e + " cannot be computed after merging shards (only +, -, *, /,"
                + " comparisons, AND/OR/NOT over COUNT/SUM/MIN/MAX/AVG/BOOL_AND/BOOL_OR/STDDEV/VARIANCE and number"
                + " literals can);"
                + " select the aggregates themselves." + Planner.HINT_HOWTO);
    }

    /**
     * A variance or standard deviation: each shard returns COUNT(x), SUM(x::numeric) and
     * SUM(x::numeric * x::numeric) (same FILTER), exact in numeric, and the aggregate itself as a
     * typed NULL so the merge knows PostgreSQL's result type (float input is refused there).
     */
    private static MergeSpec.Formula variance(Expression e, List<SelectItem<?>> hidden, List<Column> columns)
            throws Planner.Rejected {
        String name = aggregateName(e);
        List<Expression> parameters = new ArrayList<>();
        boolean distinct = isDistinct(e);
        boolean ordered = false;
        if (e instanceof Function f) {
            if (f.getParameters() != null) {
                parameters.addAll(f.getParameters());
            }
            ordered = f.getOrderByElements() != null || f.getKeep() != null || f.getHavingClause() != null;
        } else {
            AnalyticExpression a = (AnalyticExpression) e;
            parameters.add(a.getExpression());
            ordered = a.getFuncOrderBy() != null;
            if (find(a.getFilterExpression()).aggregates > 0) {
                throw new Planner.Rejected("Strata: aggregates are not allowed in FILTER.");
            }
        }
        if (distinct || ordered || parameters.size() != 1 || parameters.get(0) == null) {
            throw new Planner.Rejected("Strata: " + name + "(DISTINCT ...), " + name + " with ORDER BY or with other"
                    + " than one argument across shards is not supported; " + name + "(x) and " + name
                    + "(x) FILTER (WHERE ...) are." + Planner.HINT_HOWTO);
        }
        Expression arg = parameters.get(0);
        if (find(arg).aggregates > 0 || find(arg).window) {
            throw new Planner.Rejected("Strata: nested aggregates are not supported.");
        }
        String numeric = "CAST((" + arg + ") AS numeric)";
        int count = hiddenCall(e, "count", "(" + arg + ")", Role.COUNT, hidden, columns);
        int sum = hiddenCall(e, "sum", numeric, Role.SUM, hidden, columns);
        int squares = hiddenCall(e, "sum", numeric + " * " + numeric, Role.SUM, hidden, columns);
        SelectItem<?> typed = new SelectItem<>(copy(e), new Alias("__strata_v" + hidden.size()));
        placeholder(typed);
        hidden.add(typed);
        columns.add(new Column(-hidden.size(), Role.COMPUTED, 0));
        String canonical = switch (name) {
            case "variance" -> "var_samp";
            case "stddev" -> "stddev_samp";
            default -> name;
        };
        return new MergeSpec.Formula.Variance(canonical, count, sum, squares, -hidden.size());
    }

    /**
     * {@code string_agg(v, 'sep' ORDER BY k1, ...)}: each shard returns {@code array_agg(v ORDER BY
     * ...)} and one {@code array_agg(kj ORDER BY ...)} per key, the merge orders the elements of all
     * shards by the keys as PostgreSQL does and concatenates them. Without ORDER BY PostgreSQL's
     * order is whatever its plan reads first, which no merge can reproduce: refused. Ties on the
     * keys between different values are refused at merge time for the same reason.
     */
    private static MergeSpec.Formula stringAgg(Expression e, List<SelectItem<?>> hidden, List<Column> columns)
            throws Planner.Rejected {
        if (!(e instanceof Function f)) {
            throw new Planner.Rejected("Strata: string_agg(...) FILTER (WHERE ...) across shards is not supported;"
                    + " move the condition into the argument (CASE WHEN ... THEN v END)." + Planner.HINT_HOWTO);
        }
        if (f.getOrderByElements() == null || f.getOrderByElements().isEmpty()) {
            throw new Planner.Rejected("Strata: string_agg without ORDER BY inside the call across shards is not"
                    + " supported: PostgreSQL concatenates in whatever order its plan reads the rows, which a merge"
                    + " cannot reproduce. Write string_agg(v, ',' ORDER BY <a unique key or v>)." + Planner.HINT_HOWTO);
        }
        if (f.isDistinct()
                || f.getKeep() != null
                || f.getHavingClause() != null
                || f.getParameters() == null
                || f.getParameters().size() != 2) {
            throw new Planner.Rejected("Strata: string_agg(DISTINCT ...) across shards is not supported; string_agg("
                    + "v, 'separator' ORDER BY ...) is." + Planner.HINT_HOWTO);
        }
        Expression value = f.getParameters().get(0);
        Expression separator = unparenthesize(f.getParameters().get(1));
        if (!(separator instanceof net.sf.jsqlparser.expression.StringValue sv) || sv.getPrefix() != null) {
            throw new Planner.Rejected("Strata: string_agg across shards needs a plain string literal as separator"
                    + " (was " + separator + ")." + Planner.HINT_HOWTO);
        }
        List<OrderByElement> order = f.getOrderByElements();
        if (find(value).aggregates > 0 || find(value).window) {
            throw new Planner.Rejected("Strata: nested aggregates are not supported.");
        }
        int values = hiddenArray(f, value, hidden, columns);
        int[] keys = new int[order.size()];
        boolean[] ascending = new boolean[order.size()];
        boolean[] nullsFirst = new boolean[order.size()];
        for (int k = 0; k < keys.length; k++) {
            OrderByElement o = order.get(k);
            if (find(o.getExpression()).aggregates > 0 || find(o.getExpression()).window) {
                throw new Planner.Rejected("Strata: nested aggregates are not supported.");
            }
            checkCollation(o.getExpression());
            keys[k] = hiddenArray(f, o.getExpression(), hidden, columns);
            ascending[k] = o.isAsc();
            nullsFirst[k] = o.getNullOrdering() == null
                    ? !o.isAsc()
                    : o.getNullOrdering() == OrderByElement.NullOrdering.NULLS_FIRST;
        }
        SelectItem<?> typed = new SelectItem<>(copy(e), new Alias("__strata_s" + hidden.size()));
        placeholder(typed);
        hidden.add(typed);
        columns.add(new Column(-hidden.size(), Role.COMPUTED, 0));
        return new MergeSpec.Formula.StringAgg(
                sv.getNotExcapedValue(), values, keys, ascending, nullsFirst, -hidden.size());
    }

    /** {@code array_agg(element ORDER BY <call's order>)} as a hidden collected column; returns its index. */
    private static int hiddenArray(
            Function call, Expression element, List<SelectItem<?>> hidden, List<Column> columns) {
        Function copy = (Function) copy(call);
        copy.setName("array_agg");
        copy.setParameters(new ExpressionList<>(copy(element)));
        hidden.add(new SelectItem<>(copy, new Alias("__strata_a" + hidden.size())));
        columns.add(new Column(-hidden.size(), Role.COLLECT, 0));
        return -hidden.size();
    }

    /** Adds {@code name(argument)} with {@code aggregate}'s FILTER as a hidden merged column; returns its index. */
    private static int hiddenCall(
            Expression aggregate,
            String name,
            String argument,
            Role role,
            List<SelectItem<?>> hidden,
            List<Column> columns) {
        Expression call = copy(aggregate);
        Expression arg;
        try {
            arg = net.sf.jsqlparser.parser.CCJSqlParserUtil.parseExpression(argument);
        } catch (JSQLParserException e) {
            throw new IllegalStateException("Strata: cannot re-read " + argument, e);
        }
        if (call instanceof Function f) {
            f.setName(name);
            f.setParameters(new ExpressionList<>(arg));
        } else {
            AnalyticExpression a = (AnalyticExpression) call;
            a.setName(name);
            a.setExpression(arg);
        }
        hidden.add(new SelectItem<>(call, new Alias("__strata_v" + hidden.size())));
        columns.add(new Column(-hidden.size(), role, 0));
        return -hidden.size();
    }

    private static Expression copy(Expression e) {
        try {
            return net.sf.jsqlparser.parser.CCJSqlParserUtil.parseExpression(e.toString());
        } catch (JSQLParserException ex) {
            throw new IllegalStateException("Strata: cannot re-read " + e, ex);
        }
    }

    private static Role role(Expression e) throws Planner.Rejected {
        String name = aggregateName(e);
        if (name != null && MERGEABLE.contains(name)) {
            if (isDistinct(e)
                    && !name.equals("min")
                    && !name.equals("max")
                    && !name.startsWith("bool")
                    && !name.equals("every")) {
                throw new Planner.Rejected("Strata: " + name + "(DISTINCT ...) with more than one argument, ORDER BY"
                        + " or FILTER across shards is not supported." + Planner.HINT_HOWTO);
            }
            List<Expression> parameters = new ArrayList<>();
            if (e instanceof Function f) {
                if (f.getKeep() != null || f.getHavingClause() != null) {
                    throw new Planner.Rejected("Strata: aggregate modifiers across shards are not supported.");
                }
                if (f.getParameters() != null) {
                    parameters.addAll(f.getParameters());
                }
            } else {
                AnalyticExpression a = (AnalyticExpression) e;
                parameters.add(a.getExpression());
                if (find(a.getFilterExpression()).aggregates > 0) {
                    throw new Planner.Rejected("Strata: aggregates are not allowed in FILTER.");
                }
            }
            for (Expression p : parameters) {
                if (find(p).aggregates > 0) {
                    throw new Planner.Rejected("Strata: nested aggregates are not supported.");
                }
            }
            switch (name) {
                case "count":
                    return Role.COUNT;
                case "sum":
                    return Role.SUM;
                case "min":
                    return Role.MIN;
                case "max":
                    return Role.MAX;
                case "bool_and":
                case "every":
                    return Role.BOOL_AND;
                case "bool_or":
                    return Role.BOOL_OR;
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

    /** The same aggregate call (arguments, DISTINCT, FILTER) under another name. */
    private static Expression renamed(Expression aggregate, String name) {
        try {
            Expression copy = net.sf.jsqlparser.parser.CCJSqlParserUtil.parseExpression(aggregate.toString());
            if (copy instanceof Function f) {
                f.setName(name);
            } else {
                ((AnalyticExpression) copy).setName(name);
            }
            return copy;
        } catch (JSQLParserException e) {
            throw new IllegalStateException("Strata: cannot re-read " + aggregate, e);
        }
    }

    private static void rewriteAvg(SelectItem<?> item) {
        Expression avg = item.getExpression();
        @SuppressWarnings("unchecked")
        SelectItem<Expression> typed = (SelectItem<Expression>) item;
        typed.setExpression(renamed(avg, "sum"));
        if (item.getAlias() == null) {
            item.setAlias(new Alias(aggregateName(avg)));
        }
    }

    private static SelectItem<?> avgCount(SelectItem<?> avgItem, int hiddenIndex) {
        return new SelectItem<>(renamed(avgItem.getExpression(), "count"), new Alias("__strata_c" + hiddenIndex));
    }

    /** What an expression contains. */
    static final class Finder extends WholeExpressionVisitor<Void> {
        int aggregates;
        String otherAggregate;
        String orderedSet;
        boolean window;
        final List<AnalyticExpression> windows = new ArrayList<>();
        final List<String> collations = new ArrayList<>();

        /**
         * A window whose PARTITION BY holds a shard key of the (co-located) statement sees only rows
         * of one shard, so each shard computes it completely: it is an ordinary column for the merge.
         */
        void checkWindows(List<KeyConditions.Occurrence> top) {
            if (!window || top == null || top.isEmpty()) {
                return;
            }
            for (AnalyticExpression w : windows) {
                boolean byKey = false;
                if (w.getPartitionExpressionList() != null) {
                    for (Expression p : w.getPartitionExpressionList()) {
                        byKey |= unparenthesize(p) instanceof net.sf.jsqlparser.schema.Column c
                                && KeyConditions.keyOf(c, top) != null;
                    }
                }
                if (!byKey) {
                    return;
                }
            }
            window = false;
        }

        /** Rejects what no merge combines: window functions, ordered-set and other aggregates. */
        void check() throws Planner.Rejected {
            if (window) {
                throw new Planner.Rejected(
                        "Strata: window functions across shards are not supported unless PARTITION BY holds the"
                                + " shard key of every sharded table in a co-located statement." + Planner.HINT_HOWTO);
            }
            if (orderedSet != null) {
                throw new Planner.Rejected("Strata: ordered-set aggregate " + orderedSet + "() WITHIN GROUP across"
                        + " shards is not supported (it needs every row in one place)." + Planner.HINT_HOWTO);
            }
            if (otherAggregate != null) {
                throw new Planner.Rejected("Strata: aggregate " + otherAggregate + "() across shards is not"
                        + " supported; COUNT, SUM, MIN, MAX, AVG (also DISTINCT and FILTER), BOOL_AND, BOOL_OR,"
                        + " EVERY, the STDDEV/VARIANCE family and string_agg(v, 'sep' ORDER BY ...) are."
                        + Planner.HINT_HOWTO);
            }
        }

        @Override
        public <S> Void visit(net.sf.jsqlparser.expression.CollateExpression collate, S context) {
            collations.add(collate.getCollate());
            return super.visit(collate, context);
        }

        @Override
        public <S> Void visit(Function function, S context) {
            String name = function.getName() == null ? "" : function.getName().toLowerCase(Locale.ROOT);
            if (MERGEABLE.contains(name) || VARIANCE.contains(name) || name.equals(STRING_AGG)) {
                aggregates++;
            } else if (OTHER_AGGREGATES.contains(name)) {
                otherAggregate = name;
                aggregates++;
            }
            return super.visit(function, context);
        }

        @Override
        public <S> Void visit(AnalyticExpression expression, S context) {
            String name =
                    expression.getName() == null ? "" : expression.getName().toLowerCase(Locale.ROOT);
            if (expression.getType() == AnalyticType.FILTER_ONLY) {
                if (MERGEABLE.contains(name) || VARIANCE.contains(name) || name.equals(STRING_AGG)) {
                    aggregates++;
                } else {
                    otherAggregate = name;
                    aggregates++;
                }
            } else if (expression.getType() == AnalyticType.WITHIN_GROUP) {
                orderedSet = name;
                aggregates++;
            } else {
                window = true;
                windows.add(expression);
            }
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
