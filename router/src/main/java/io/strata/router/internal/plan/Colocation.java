package io.strata.router.internal.plan;

import io.strata.router.KeyType;
import io.strata.router.TableRule;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.operators.relational.EqualsTo;
import net.sf.jsqlparser.expression.operators.relational.InExpression;
import net.sf.jsqlparser.schema.Column;
import net.sf.jsqlparser.schema.Table;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.statement.select.AllColumns;
import net.sf.jsqlparser.statement.select.AllTableColumns;
import net.sf.jsqlparser.statement.select.FromItem;
import net.sf.jsqlparser.statement.select.Join;
import net.sf.jsqlparser.statement.select.LateralSubSelect;
import net.sf.jsqlparser.statement.select.OrderByElement;
import net.sf.jsqlparser.statement.select.ParenthesedFromItem;
import net.sf.jsqlparser.statement.select.ParenthesedSelect;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.Select;
import net.sf.jsqlparser.statement.select.SelectItem;
import net.sf.jsqlparser.statement.select.WithItem;

/**
 * Rules 1 to 3 of {@link CombineRule} over a whole SELECT, nested SELECTs included: every sharded
 * table occurrence of the statement (in FROM, in subqueries, in derived tables and CTEs) is put in
 * a group with the occurrences its shard key is equated to (join conditions and top-level AND
 * conjuncts, correlation to an enclosing query included, and {@code key IN (SELECT key ...)}).
 *
 * <p>The statement's answer is the union of the shards' answers when every occurrence is in the
 * group of the top-level FROM: each shard then holds, for each of its rows, every row of every
 * other sharded table that row can meet. A group that is not linked to the top-level FROM is only
 * answered when its own conditions pin its key to values ({@code key = ?}); the statement then
 * goes to one shard whole, and is refused when those values reach several shards.
 *
 * <p>Name resolution follows PostgreSQL where Strata can be sure without the catalog: an
 * unqualified column names a key of its own query level when exactly one sharded table of that
 * level has a key of that name (that table has the column, so PostgreSQL resolves the name there
 * or reports it ambiguous); a qualified column is looked up from the innermost level outwards, a
 * level that has a FROM item of that name hides outer ones. An unqualified name never links to an
 * enclosing level (a table of the inner level might have a column of that name).
 *
 * <p>A derived table or CTE that reads sharded tables acts as a sharded table when each of its rows
 * is computed from one shard's rows: it has no LIMIT/OFFSET/FETCH, window function, set operation
 * or DISTINCT ON, and either no aggregation at all or a GROUP BY that contains a shard key. Its
 * output columns that are shard keys (by position under a column alias list) are its keys.
 */
final class Colocation {

    /** The outcome for one SELECT. */
    record Result(
            List<KeyConditions.Occurrence> top,
            List<KeySource> keys,
            KeyType keyType,
            String multiShardRejection,
            Set<PlainSelect> shardedSelects) {}

    private final RoutingRules rules;
    private final List<KeyConditions.Occurrence> all = new ArrayList<>();
    private final List<Integer> parent = new ArrayList<>();
    private final Map<Integer, List<KeySource>> pinned = new HashMap<>();
    private final List<List<Integer>> sameGroup = new ArrayList<>();
    private final Set<PlainSelect> analysed = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Set<PlainSelect> shardedSelects = Collections.newSetFromMap(new IdentityHashMap<>());

    private Colocation(RoutingRules rules) {
        this.rules = rules;
    }

    /** One query level: its FROM items' sharded occurrences and names, and the level around it. */
    private static final class Scope {
        final Scope outer;
        final List<Integer> occurrences = new ArrayList<>();
        final Set<String> names = new LinkedHashSet<>();

        Scope(Scope outer) {
            this.outer = outer;
        }
    }

    /** Whether a FROM subtree's rows are replicated on every shard or partitioned among them. */
    private enum Rows {
        REPLICATED,
        PARTITIONED
    }

    static Result analyse(PlainSelect top, RoutingRules rules) throws Planner.Rejected {
        Colocation c = new Colocation(rules);
        Scope scope = c.select(top, null, Map.of());
        c.checkEverySelectSeen(top);
        return c.decide(scope);
    }

    // ---------------------------------------------------------------- union-find

    private int add(KeyConditions.Occurrence o) {
        all.add(o);
        parent.add(parent.size());
        return all.size() - 1;
    }

    private int find(int i) {
        while (parent.get(i) != i) {
            parent.set(i, parent.get(parent.get(i)));
            i = parent.get(i);
        }
        return i;
    }

    private void union(int a, int b) {
        if (all.get(a).rule().keyType() != all.get(b).rule().keyType()) {
            return; // different key types hash differently: not co-located
        }
        parent.set(find(a), find(b));
    }

    // ---------------------------------------------------------------- one query level

    private Scope select(PlainSelect ps, Scope outer, Map<String, WithItem> visibleCtes) throws Planner.Rejected {
        analysed.add(ps);
        Map<String, WithItem> ctes = visibleCtes;
        if (ps.getWithItemsList() != null && !ps.getWithItemsList().isEmpty()) {
            ctes = new HashMap<>(visibleCtes);
            for (WithItem w : ps.getWithItemsList()) {
                if (w.isRecursive() && readsSharded(w.getSelect())) {
                    throw new Planner.Rejected("Strata: WITH RECURSIVE over sharded tables across shards is not"
                            + " supported." + Planner.HINT_HOWTO);
                }
                ctes.put(KeyConditions.normalizeIdentifier(w.getAlias().getName()), w);
            }
        }
        Scope s = new Scope(outer);
        List<Expression> links = new ArrayList<>();
        joins(ps.getFromItem(), ps.getJoins(), s, ctes, links);
        if (!s.occurrences.isEmpty()) {
            shardedSelects.add(ps);
        }
        // Nested SELECTs of this level's expressions: correlated to it.
        List<Expression> expressions = new ArrayList<>();
        expressions.add(ps.getWhere());
        expressions.add(ps.getHaving());
        expressions.add(ps.getQualify());
        for (SelectItem<?> item : ps.getSelectItems()) {
            expressions.add(item.getExpression());
        }
        if (ps.getOrderByElements() != null) {
            for (OrderByElement o : ps.getOrderByElements()) {
                expressions.add(o.getExpression());
            }
        }
        if (ps.getGroupBy() != null && ps.getGroupBy().getGroupByExpressionList() != null) {
            for (Object g : ps.getGroupBy().getGroupByExpressionList()) {
                expressions.add((Expression) g);
            }
        }
        expressions.addAll(links);
        Map<Select, Scope> children = new IdentityHashMap<>();
        for (Expression e : expressions) {
            for (Select nested : nestedSelects(e)) {
                Scope child = subquery(nested, s, ctes);
                if (child != null) {
                    children.put(nested, child);
                }
            }
        }
        // Links: join conditions and WHERE conjuncts.
        List<Expression> conjuncts = new ArrayList<>();
        for (Expression e : links) {
            if (e instanceof KeyConditions.UsingMarker) {
                conjuncts.add(e);
            } else {
                conjuncts.addAll(KeyConditions.conjuncts(e));
            }
        }
        List<Expression> where = KeyConditions.conjuncts(ps.getWhere());
        conjuncts.addAll(where);
        for (Expression e : conjuncts) {
            if (e instanceof EqualsTo eq
                    && eq.getLeftExpression() instanceof Column l
                    && eq.getRightExpression() instanceof Column r) {
                Integer a = resolve(l, s);
                Integer b = resolve(r, s);
                if (a != null && b != null) {
                    union(a, b);
                }
            } else if (e instanceof InExpression in
                    && !in.isNot()
                    && in.getLeftExpression() instanceof Column l
                    && in.getRightExpression() instanceof Select sub
                    && children.get(sub) != null) {
                // key IN (SELECT key FROM ...): a semi-join on the key.
                PlainSelect body = plain(sub);
                Integer a = resolve(l, s);
                if (a != null
                        && body != null
                        && body.getSelectItems().size() == 1
                        && body.getSelectItems().get(0).getExpression() instanceof Column inner) {
                    Integer b = resolve(inner, children.get(sub));
                    if (b != null) {
                        union(a, b);
                    }
                }
            }
        }
        // Keys pinned by this level's own conditions.
        if (!s.occurrences.isEmpty()) {
            List<KeyConditions.Occurrence> own = new ArrayList<>();
            for (int i : s.occurrences) {
                own.add(all.get(i));
            }
            List<KeySource> keys = KeyConditions.keys(where, own);
            if (keys != null) {
                KeyConditions.Occurrence o = keyOccurrence(where, own);
                pinned.put(s.occurrences.get(own.indexOf(o)), keys);
            }
        }
        return s;
    }

    /** The occurrence whose key the pinning conjunct names (the first one {@link KeyConditions#keys} takes). */
    private static KeyConditions.Occurrence keyOccurrence(List<Expression> where, List<KeyConditions.Occurrence> own) {
        for (Expression e : where) {
            List<KeySource> k = KeyConditions.keys(List.of(e), own);
            if (k != null) {
                Expression l = e instanceof EqualsTo eq
                        ? (eq.getLeftExpression() instanceof Column ? eq.getLeftExpression() : eq.getRightExpression())
                        : ((InExpression) e).getLeftExpression();
                KeyConditions.Occurrence o = KeyConditions.keyOf((Column) l, own);
                if (o != null) {
                    return o;
                }
            }
        }
        return own.get(0);
    }

    private Scope subquery(Select nested, Scope outer, Map<String, WithItem> ctes) throws Planner.Rejected {
        PlainSelect body = plain(nested);
        if (body == null) {
            if (readsSharded(nested)) {
                throw new Planner.Rejected("Strata: a set operation or VALUES over sharded tables inside a subquery"
                        + " is not supported across shards (" + nested + ")." + Planner.HINT_HOWTO);
            }
            return null;
        }
        return select(body, outer, ctes);
    }

    private static PlainSelect plain(Select s) {
        Select x = s;
        while (x instanceof ParenthesedSelect p && p.getWithItemsList() == null) {
            x = p.getSelect();
        }
        return x instanceof PlainSelect ps ? ps : null;
    }

    private boolean readsSharded(Object statementOrItem) {
        Set<String> tables = statementOrItem instanceof Statement st
                ? new CombineRule.Reads().getTables(st)
                : statementOrItem instanceof FromItem f ? CombineRule.Reads.tablesIn(f) : Set.of();
        for (String t : tables) {
            String n = Planner.normalize(t);
            TableRule r = n == null ? null : rules.rule(n);
            // Any kind but broadcast and single counts as spread over shards (time-range tables too).
            if (r != null && r.kind() != TableRule.Kind.BROADCAST && r.kind() != TableRule.Kind.SINGLE) {
                return true;
            }
        }
        return false;
    }

    /** The SELECTs directly inside an expression (not those nested deeper). */
    static List<Select> nestedSelects(Expression e) {
        List<Select> out = new ArrayList<>();
        if (e == null) {
            return out;
        }
        e.accept(
                new WholeExpressionVisitor<Void>() {
                    @Override
                    public <S> Void visit(ParenthesedSelect select, S context) {
                        out.add(select);
                        return null;
                    }

                    @Override
                    public <S> Void visit(Select select, S context) {
                        out.add(select);
                        return null;
                    }
                },
                null);
        return out;
    }

    // ---------------------------------------------------------------- FROM

    private Rows joins(FromItem first, List<Join> joins, Scope s, Map<String, WithItem> ctes, List<Expression> links)
            throws Planner.Rejected {
        int leftFrom = s.occurrences.size();
        Rows left = item(first, s, ctes, links);
        if (joins == null) {
            return left;
        }
        for (Join join : joins) {
            int rightFrom = s.occurrences.size();
            Rows right = item(join.getRightItem(), s, ctes, links);
            if (join.getOnExpressions() != null) {
                links.addAll(join.getOnExpressions());
            }
            if (join.getUsingColumns() != null) {
                for (Column c : join.getUsingColumns()) {
                    usingLink(KeyConditions.normalizeIdentifier(c.getColumnName()), s, leftFrom, rightFrom);
                }
            }
            boolean leftPreserved = join.isLeft() || join.isFull();
            boolean rightPreserved = join.isRight() || join.isFull();
            if (join.isOuter() && !leftPreserved && !rightPreserved) {
                throw new Planner.Rejected(
                        "Strata: an outer join without LEFT, RIGHT or FULL cannot be placed." + Planner.HINT_HOWTO);
            }
            if (join.isApply() || join.isSemi() || join.isStraight() || join.isWindowJoin()) {
                throw new Planner.Rejected("Strata: this join type cannot be routed safely." + Planner.HINT_HOWTO);
            }
            if ((leftPreserved && left == Rows.REPLICATED && right == Rows.PARTITIONED)
                    || (rightPreserved && right == Rows.REPLICATED && left == Rows.PARTITIONED)) {
                throw new Planner.Rejected("Strata: the outer join (" + CombineRule.joinWord(join) + " "
                        + join.getRightItem() + ") preserves rows of broadcast tables against a sharded"
                        + " table; each shard would return the unmatched broadcast rows, so they would come back"
                        + " once per shard. Put the sharded table on the preserved side, join the broadcast table"
                        + " with an inner join, or query one shard." + Planner.HINT_HOWTO);
            }
            left = left == Rows.PARTITIONED || right == Rows.PARTITIONED ? Rows.PARTITIONED : Rows.REPLICATED;
        }
        return left;
    }

    /** USING (col): the occurrences of each side whose key is col are linked (PostgreSQL refuses duplicates). */
    private void usingLink(String col, Scope s, int leftFrom, int rightFrom) {
        Integer left = null;
        Integer right = null;
        for (int i = leftFrom; i < s.occurrences.size(); i++) {
            int o = s.occurrences.get(i);
            if (all.get(o).rule().keyColumn().equals(col)) {
                if (i < rightFrom) {
                    left = o;
                } else {
                    right = o;
                }
            }
        }
        if (left != null && right != null) {
            union(left, right);
        }
    }

    private Rows item(FromItem item, Scope s, Map<String, WithItem> ctes, List<Expression> links)
            throws Planner.Rejected {
        if (item == null) {
            return Rows.REPLICATED;
        }
        if (item instanceof Table t) {
            String raw = t.getFullyQualifiedName();
            String alias = t.getAlias() == null
                    ? null
                    : KeyConditions.normalizeIdentifier(t.getAlias().getName());
            String bare = KeyConditions.normalizeIdentifier(t.getName());
            if (t.getSchemaName() == null && ctes.containsKey(bare)) {
                WithItem w = ctes.get(bare);
                s.names.add(alias != null ? alias : bare);
                Map<String, WithItem> visible = new HashMap<>(ctes);
                visible.remove(bare); // a CTE body cannot name itself (WITH RECURSIVE over sharded is refused)
                return derived(
                        w.getSelect(), alias != null ? alias : bare, t.getAlias(), w.getWithItemList(), s, visible);
            }
            String name = Planner.normalize(raw);
            s.names.add(alias != null ? alias : bare);
            TableRule rule = name == null ? null : rules.rule(name);
            if (rule != null
                    && rule.kind() != TableRule.Kind.SHARDED
                    && rule.kind() != TableRule.Kind.BROADCAST
                    && rule.kind() != TableRule.Kind.SINGLE) {
                throw new Planner.Rejected("Strata: table '" + name + "' (" + rule.kind() + ") cannot be combined with"
                        + " hash-sharded tables in one statement." + Planner.HINT_HOWTO);
            }
            if (rule != null && rule.kind() == TableRule.Kind.SHARDED) {
                if (t.getAlias() != null
                        && t.getAlias().getAliasColumns() != null
                        && !t.getAlias().getAliasColumns().isEmpty()) {
                    throw new Planner.Rejected("Strata: sharded table '" + name + "' has a column alias list ("
                            + t.getAlias() + "), which renames its columns; it cannot be routed safely. Alias the"
                            + " columns in the select list instead." + Planner.HINT_HOWTO);
                }
                s.occurrences.add(add(new KeyConditions.Occurrence(name, alias, rule)));
                return Rows.PARTITIONED;
            }
            return Rows.REPLICATED;
        }
        if (item instanceof ParenthesedFromItem p) {
            return joins(p.getFromItem(), p.getJoins(), s, ctes, links);
        }
        if (item instanceof ParenthesedSelect p && !(item instanceof LateralSubSelect)) {
            String alias = p.getAlias() == null
                    ? null
                    : KeyConditions.normalizeIdentifier(p.getAlias().getName());
            if (alias != null) {
                s.names.add(alias);
            }
            return derived(p, alias, p.getAlias(), null, s, ctes);
        }
        if (readsSharded(item)) {
            throw new Planner.Rejected("Strata: sharded tables are read in a LATERAL subquery or table function ("
                    + item + "), which is not supported across shards." + Planner.HINT_HOWTO);
        }
        return Rows.REPLICATED;
    }

    /**
     * A derived table or CTE reference: replicated when it reads no sharded table; partitioned when
     * each of its rows comes from one shard (see the class comment), its key columns then linkable
     * under {@code alias}; refused otherwise.
     */
    private Rows derived(
            Select body,
            String alias,
            net.sf.jsqlparser.expression.Alias aliasClause,
            List<SelectItem<?>> cteColumns,
            Scope s,
            Map<String, WithItem> ctes)
            throws Planner.Rejected {
        PlainSelect ps = plain(body);
        if (ps == null) {
            if (readsSharded(body)) {
                throw new Planner.Rejected("Strata: a set operation or VALUES over sharded tables in a derived table"
                        + " or CTE is not supported across shards (" + body + ")." + Planner.HINT_HOWTO);
            }
            return Rows.REPLICATED;
        }
        int before = all.size();
        Scope inner = select(ps, null, ctes);
        if (all.size() == before) {
            return Rows.REPLICATED;
        }
        String what = "the derived table or CTE " + (alias == null ? "(" + ps + ")" : "'" + alias + "'");
        if (inner.occurrences.isEmpty()) {
            throw new Planner.Rejected("Strata: " + what + " reads sharded tables only in its subqueries, which"
                    + " is not supported across shards." + Planner.HINT_HOWTO);
        }
        sameGroup.add(new ArrayList<>(inner.occurrences));
        if (ps.getLimit() != null || ps.getOffset() != null || ps.getFetch() != null) {
            throw new Planner.Rejected("Strata: " + what + " has LIMIT/OFFSET/FETCH over sharded tables; each shard"
                    + " would cut its own rows." + Planner.HINT_HOWTO);
        }
        if (ps.getDistinct() != null && ps.getDistinct().getOnSelectItems() != null) {
            throw new Planner.Rejected(
                    "Strata: " + what + " uses DISTINCT ON over sharded tables." + Planner.HINT_HOWTO);
        }
        boolean aggregate = ps.getGroupBy() != null || ps.getHaving() != null;
        for (SelectItem<?> item : ps.getSelectItems()) {
            MergeBuilder.Finder f = MergeBuilder.find(item.getExpression());
            if (f.window) {
                throw new Planner.Rejected(
                        "Strata: " + what + " computes a window function over sharded tables." + Planner.HINT_HOWTO);
            }
            aggregate |= f.aggregates > 0;
        }
        // Output columns that are shard keys.
        List<String> aliasColumns = new ArrayList<>();
        if (aliasClause != null && aliasClause.getAliasColumns() != null) {
            for (var c : aliasClause.getAliasColumns()) {
                aliasColumns.add(KeyConditions.normalizeIdentifier(c.name));
            }
        }
        if (cteColumns != null) {
            for (SelectItem<?> c : cteColumns) {
                aliasColumns.add(KeyConditions.normalizeIdentifier(c.toString()));
            }
        }
        Map<String, Integer> exposed = new LinkedHashMap<>();
        List<SelectItem<?>> items = ps.getSelectItems();
        boolean star = false;
        for (int i = 0; i < items.size(); i++) {
            Expression e = items.get(i).getExpression();
            if (e instanceof AllColumns || e instanceof AllTableColumns) {
                star = true;
                for (int o : inner.occurrences) {
                    exposed.putIfAbsent(all.get(o).rule().keyColumn(), o);
                }
                continue;
            }
            if (e instanceof Column c) {
                Integer o = resolve(c, inner);
                if (o != null) {
                    String name = i < aliasColumns.size() && !star
                            ? aliasColumns.get(i)
                            : items.get(i).getAlias() != null
                                    ? KeyConditions.normalizeIdentifier(
                                            items.get(i).getAlias().getName())
                                    : KeyConditions.normalizeIdentifier(c.getColumnName());
                    exposed.putIfAbsent(name, o);
                }
            }
        }
        if (aggregate || ps.getDistinct() != null) {
            boolean groupedByKey = false;
            if (ps.getGroupBy() != null
                    && ps.getGroupBy().getGroupByExpressionList() != null
                    && (ps.getGroupBy().getGroupingSets() == null
                            || ps.getGroupBy().getGroupingSets().isEmpty())) {
                for (Object g : ps.getGroupBy().getGroupByExpressionList()) {
                    if (MergeBuilder.unparenthesize((Expression) g) instanceof Column c && resolve(c, inner) != null) {
                        groupedByKey = true;
                    }
                }
            }
            if (!aggregate && ps.getDistinct() != null) {
                groupedByKey = !exposed.isEmpty();
            }
            if (!groupedByKey) {
                throw new Planner.Rejected("Strata: " + what + " aggregates or de-duplicates rows of sharded tables"
                        + " without grouping by a shard key, so no shard holds a whole group. Group it by the shard"
                        + " key, or hint one shard." + Planner.HINT_HOWTO);
            }
        }
        KeyType type = all.get(inner.occurrences.get(0)).rule().keyType();
        if (exposed.isEmpty()) {
            // Partitioned, but nothing outside can be linked to it.
            int o = add(new KeyConditions.Occurrence(
                    alias == null ? "__strata_derived" : alias,
                    alias,
                    TableRule.sharded(alias == null ? "strata_derived" : alias, "strata_no_key_column", type)));
            union(o, inner.occurrences.get(0));
            s.occurrences.add(o);
        }
        for (Map.Entry<String, Integer> e : exposed.entrySet()) {
            String table = alias == null ? "strata_derived" : alias;
            int o = add(new KeyConditions.Occurrence(table, alias, TableRule.sharded(table, e.getKey(), type)));
            union(o, e.getValue());
            s.occurrences.add(o);
        }
        return Rows.PARTITIONED;
    }

    // ---------------------------------------------------------------- names

    /** The occurrence whose shard key a column names, or null (see the class comment). */
    private Integer resolve(Column c, Scope s) {
        String column = KeyConditions.normalizeIdentifier(c.getColumnName());
        Table t = c.getTable();
        String qualifier = t == null || t.getName() == null ? null : KeyConditions.normalizeIdentifier(t.getName());
        if (qualifier == null) {
            Integer found = null;
            for (int o : s.occurrences) {
                if (all.get(o).rule().keyColumn().equals(column)) {
                    if (found != null) {
                        return null; // ambiguous
                    }
                    found = o;
                }
            }
            return found;
        }
        for (Scope x = s; x != null; x = x.outer) {
            Integer found = null;
            for (int o : x.occurrences) {
                KeyConditions.Occurrence occ = all.get(o);
                if (occ.matches(qualifier) && occ.rule().keyColumn().equals(column)) {
                    if (found != null) {
                        return null;
                    }
                    found = o;
                }
            }
            if (found != null || x.names.contains(qualifier)) {
                return found;
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- decision

    /** Every nested SELECT must have been placed in a level; one that was not is refused if it reads sharded tables. */
    private void checkEverySelectSeen(PlainSelect top) throws Planner.Rejected {
        CombineRule.Reads reads = new CombineRule.Reads();
        reads.getTables((Statement) top);
        for (PlainSelect nested : reads.selects) {
            if (!analysed.contains(nested) && readsSharded(nested)) {
                throw new Planner.Rejected("Strata: sharded tables are read in a nested SELECT Strata cannot place ("
                        + nested + ")." + Planner.HINT_HOWTO);
            }
        }
    }

    private Result decide(Scope top) throws Planner.Rejected {
        for (List<Integer> group : sameGroup) {
            for (int o : group) {
                if (find(o) != find(group.get(0))) {
                    throw notLinked(group.get(0), o, "a derived table or CTE");
                }
            }
        }
        Map<Integer, List<Integer>> components = new LinkedHashMap<>();
        for (int i = 0; i < all.size(); i++) {
            components.computeIfAbsent(find(i), k -> new ArrayList<>()).add(i);
        }
        Map<Integer, List<KeySource>> keysOf = new HashMap<>();
        for (Map.Entry<Integer, List<KeySource>> p : pinned.entrySet()) {
            keysOf.putIfAbsent(find(p.getKey()), p.getValue());
        }
        Set<Integer> topComponents = new LinkedHashSet<>();
        for (int o : top.occurrences) {
            topComponents.add(find(o));
        }
        List<KeyConditions.Occurrence> topOccurrences = new ArrayList<>();
        for (int o : top.occurrences) {
            topOccurrences.add(all.get(o));
        }
        KeyType type = all.isEmpty() ? null : all.get(0).rule().keyType();
        if (components.size() <= 1 && topComponents.size() == components.size()) {
            Integer only =
                    components.isEmpty() ? null : components.keySet().iterator().next();
            return new Result(topOccurrences, only == null ? null : keysOf.get(only), type, null, shardedSelects);
        }
        // Several groups: each must be pinned to key values; one shard answers. Subqueries first (the
        // message then names the table to correlate), then the top-level joins.
        List<KeySource> keys = new ArrayList<>();
        List<Map.Entry<Integer, List<Integer>>> ordered = new ArrayList<>();
        for (Map.Entry<Integer, List<Integer>> c : components.entrySet()) {
            if (!topComponents.contains(c.getKey())) {
                ordered.add(c);
            }
        }
        for (Map.Entry<Integer, List<Integer>> c : components.entrySet()) {
            if (topComponents.contains(c.getKey())) {
                ordered.add(c);
            }
        }
        for (Map.Entry<Integer, List<Integer>> c : ordered) {
            List<KeySource> k = keysOf.get(c.getKey());
            if (k == null) {
                if (!topComponents.contains(c.getKey())) {
                    throw notLinked(-1, c.getValue().get(0), "a subquery");
                }
                int other = -1;
                for (int t : top.occurrences) {
                    if (find(t) != c.getKey()) {
                        other = t;
                        break;
                    }
                }
                throw notLinked(other, c.getValue().get(0), "a join");
            }
            for (int o : c.getValue()) {
                if (all.get(o).rule().keyType() != type) {
                    throw new Planner.Rejected("Strata: the statement reads sharded tables with different key types"
                            + " that are not co-located." + Planner.HINT_HOWTO);
                }
            }
            keys.addAll(k);
        }
        return new Result(
                topOccurrences,
                keys,
                type,
                "Strata: the statement reads sharded tables that are not joined or correlated on their shard keys;"
                        + " each is pinned to key values, so only one shard can answer it.",
                shardedSelects);
    }

    private Planner.Rejected notLinked(int a, int b, String where) {
        KeyConditions.Occurrence y = all.get(b);
        if (a < 0) {
            return new Planner.Rejected("Strata: sharded table '" + y.name() + "' is read in a subquery that is"
                    + " neither correlated on its shard key with a sharded table of the enclosing query nor pinned"
                    + " to key values (" + ref(y) + " = ?), so each shard would see its own rows only. (An"
                    + " unqualified column is not taken as a reference to the enclosing query: qualify it, e.g."
                    + " outer_table.key.)"
                    + Planner.HINT_HOWTO);
        }
        KeyConditions.Occurrence x = all.get(a);
        return new Planner.Rejected("Strata: the statement joins sharded tables that are not joined on their shard"
                + " keys (" + x.name() + " and " + y.name() + ", in " + where + "); cross-shard joins are not"
                + " supported. The join would be local with " + ref(x) + " = " + ref(y)
                + " (a top-level AND condition, or a correlation of the subquery), or with a key condition"
                + " (key = ?) on each." + Planner.HINT_HOWTO);
    }

    private static String ref(KeyConditions.Occurrence o) {
        return (o.alias() != null ? o.alias() : o.name()) + "." + o.rule().keyColumn();
    }
}
