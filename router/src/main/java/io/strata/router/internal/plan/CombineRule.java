package io.strata.router.internal.plan;

import io.strata.router.TableRule;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.schema.Column;
import net.sf.jsqlparser.schema.Table;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.statement.select.FromItem;
import net.sf.jsqlparser.statement.select.Join;
import net.sf.jsqlparser.statement.select.ParenthesedFromItem;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.util.TablesNamesFinder;

/**
 * THE rule of when per-shard results combine into the answer one database holding every row would
 * give. The planner applies it to every statement that reads a sharded table; a statement it
 * cannot prove combinable is rejected ({@code SR001}), never guessed.
 *
 * <p>Every row a FROM clause produces is either <b>partitioned</b> (it contains a row of a sharded
 * table, so it exists on exactly the one shard that owns that row's key) or <b>replicated</b> (it
 * is built only from broadcast tables, derived tables over broadcast tables, table functions or
 * VALUES, so every shard produces the very same row). Per-shard results combine exactly when:
 *
 * <ol>
 *   <li><b>Co-location.</b> All sharded tables of the statement are linked into one group by
 *       equalities between their shard keys ({@code a.key = b.key} or {@code USING (key)}), taken
 *       from JOIN ... ON conditions and the top-level AND conjuncts of WHERE, and all have the
 *       same key type. Then every combination of sharded rows the statement can use lives on one
 *       shard, and every shard computes the joins for its own rows completely.
 *   <li><b>No replicated row in the result.</b> An inner or cross join of a partitioned and a
 *       replicated side is partitioned. An outer join is fine when its preserved side is
 *       partitioned or both sides are replicated. An outer join whose <i>preserved</i> side is
 *       replicated and whose other side is partitioned ({@code broadcast LEFT JOIN sharded},
 *       {@code sharded RIGHT JOIN broadcast}, any {@code FULL JOIN} between the two, NATURAL and
 *       USING forms alike) is rejected: each shard would emit the NULL-extended replicated row
 *       for its own unmatched rows, so it would come back up to once per shard.
 *   <li><b>Nested SELECTs.</b> A sharded table read in a subquery, derived table or CTE is
 *       fine when it is linked by rule 1 to the top-level FROM (a correlation
 *       {@code inner.key = outer.key}, {@code key IN (SELECT key ...)}, or a derived table / CTE
 *       whose rows each come from one shard, joined on its key columns) or pinned by its own key
 *       condition (then the statement goes to one shard whole). Otherwise it would see one
 *       shard's rows only: refused, unless {@link RecursivePlanning} can run it first. Subqueries
 *       over broadcast tables are evaluated identically on every shard and are fine, except those
 *       whose result depends on physical row order ({@code LIMIT}, {@code OFFSET}, {@code FETCH},
 *       a window function): the copies of a broadcast table need not store rows in the same
 *       order, so those are rejected when the statement reaches several shards. {@link
 *       Colocation} applies rules 1 to 3 to every level of a statement.
 *   <li><b>Merge.</b> The combination step itself must be exact: ORDER BY merge, LIMIT/OFFSET
 *       (and FETCH FIRST/NEXT) cut after the merge, COUNT/SUM/MIN/MAX/AVG (also DISTINCT and
 *       FILTER), BOOL_AND/BOOL_OR from partials, HAVING and aggregate arithmetic after the merge,
 *       GROUP BY and DISTINCT re-grouped, DISTINCT ON, windows partitioned by the key, set
 *       operations ({@link SetOperations}). Anything else (other aggregates, ordered-set
 *       aggregates, GROUPING SETS, other windows) is answered only when the statement's key pins
 *       it to one shard, and rejected when it reaches several ({@link MergeBuilder}).
 * </ol>
 *
 * <p>A statement whose top-level WHERE pins a shard key to values ({@code key = ?},
 * {@code IN (...)}, {@code = ANY(?)}) goes only to the owning shards; by rule 1 every row of its
 * answer lives there.
 */
final class CombineRule {

    private CombineRule() {}

    /** What the FROM clause of a SELECT contains, after the rule's checks. */
    record FromTree(List<KeyConditions.Occurrence> occurrences, List<Expression> joinLinks) {}

    /** Whether a FROM subtree's rows are replicated on every shard or partitioned among them. */
    private enum Rows {
        REPLICATED,
        PARTITIONED
    }

    /**
     * Checks rules 2 and 3 on the FROM tree of {@code ps} and returns its sharded table occurrences
     * and join conditions (for the co-location check of rule 1).
     */
    static FromTree fromTree(PlainSelect ps, RoutingRules rules) throws Planner.Rejected {
        List<KeyConditions.Occurrence> occurrences = new ArrayList<>();
        List<Expression> links = new ArrayList<>();
        joins(ps.getFromItem(), ps.getJoins(), rules, occurrences, links);
        return new FromTree(occurrences, links);
    }

    private static Rows joins(
            FromItem first,
            List<Join> joins,
            RoutingRules rules,
            List<KeyConditions.Occurrence> occurrences,
            List<Expression> links)
            throws Planner.Rejected {
        int leftFrom = occurrences.size();
        Rows left = item(first, rules, occurrences, links);
        if (joins == null) {
            return left;
        }
        for (Join join : joins) {
            int rightFrom = occurrences.size();
            Rows right = item(join.getRightItem(), rules, occurrences, links);
            if (join.getOnExpressions() != null) {
                links.addAll(join.getOnExpressions());
            }
            if (join.getUsingColumns() != null) {
                for (Column c : join.getUsingColumns()) {
                    links.add(
                            new KeyConditions.UsingMarker(c.getColumnName(), leftFrom, rightFrom, occurrences.size()));
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
                throw new Planner.Rejected("Strata: the outer join (" + joinWord(join) + " "
                        + join.getRightItem() + ") preserves rows of broadcast tables against a sharded"
                        + " table; each shard would return the unmatched broadcast rows, so they would come back"
                        + " once per shard. Put the sharded table on the preserved side, join the broadcast table"
                        + " with an inner join, or query one shard." + Planner.HINT_HOWTO);
            }
            left = left == Rows.PARTITIONED || right == Rows.PARTITIONED ? Rows.PARTITIONED : Rows.REPLICATED;
        }
        return left;
    }

    static String joinWord(Join join) {
        StringBuilder sb = new StringBuilder();
        if (join.isNatural()) {
            sb.append("NATURAL ");
        }
        sb.append(join.isLeft() ? "LEFT" : join.isRight() ? "RIGHT" : join.isFull() ? "FULL" : "INNER");
        return sb.append(" JOIN").toString();
    }

    private static Rows item(
            FromItem item, RoutingRules rules, List<KeyConditions.Occurrence> occurrences, List<Expression> links)
            throws Planner.Rejected {
        if (item == null) {
            return Rows.REPLICATED;
        }
        if (item instanceof Table t) {
            String name = Planner.normalize(t.getFullyQualifiedName());
            TableRule rule = name == null ? null : rules.rule(name);
            if (rule != null && rule.kind() == TableRule.Kind.SHARDED) {
                if (t.getAlias() != null
                        && t.getAlias().getAliasColumns() != null
                        && !t.getAlias().getAliasColumns().isEmpty()) {
                    throw new Planner.Rejected("Strata: sharded table '" + name + "' has a column alias list ("
                            + t.getAlias() + "), which renames its columns; it cannot be routed safely. Alias the"
                            + " columns in the select list instead." + Planner.HINT_HOWTO);
                }
                String alias = t.getAlias() == null
                        ? null
                        : KeyConditions.normalizeIdentifier(t.getAlias().getName());
                occurrences.add(new KeyConditions.Occurrence(name, alias, rule));
                return Rows.PARTITIONED;
            }
            // Broadcast and catalog tables; single tables never meet sharded ones (the planner
            // rejects that before).
            return Rows.REPLICATED;
        }
        if (item instanceof ParenthesedFromItem p) {
            return joins(p.getFromItem(), p.getJoins(), rules, occurrences, links);
        }
        // Derived tables, lateral subqueries, table functions, VALUES: replicated when they read no
        // sharded table (rule 3).
        for (String t : Reads.tablesIn(item)) {
            String n = Planner.normalize(t);
            TableRule r = n == null ? null : rules.rule(n);
            if (r != null && r.kind() == TableRule.Kind.SHARDED) {
                throw new Planner.Rejected("Strata: sharded table '" + n + "' is read in a derived table or"
                        + " subquery, which would see one shard's rows only; that cannot be routed safely."
                        + Planner.HINT_HOWTO);
            }
        }
        return Rows.REPLICATED;
    }

    /**
     * The tables a statement or expression reads, and its nested SELECTs. Unlike JSqlParser's
     * {@code TablesNamesFinder.getTables(Expression)}, a column qualifier ({@code customers.id},
     * {@code "customers"."id"}, {@code public.customers.id}, {@code c.id}) is not a table read.
     */
    static final class Reads extends TablesNamesFinder<Void> {
        final List<PlainSelect> selects = new ArrayList<>();
        /** Lower-case names of the functions called (schema dropped). */
        final List<String> functions = new ArrayList<>();

        @Override
        public <S> Void visit(net.sf.jsqlparser.expression.Function function, S context) {
            if (function.getName() != null) {
                String name = function.getName().toLowerCase(java.util.Locale.ROOT);
                functions.add(name.substring(name.lastIndexOf('.') + 1));
            }
            return super.visit(function, context);
        }

        @Override
        public <S> Void visit(Column column, S context) {
            return null; // a qualifier names a table of an enclosing FROM, it reads nothing
        }

        @Override
        public <S> Void visit(net.sf.jsqlparser.statement.select.AllTableColumns columns, S context) {
            return null; // t.* names a table of an enclosing FROM
        }

        @Override
        public <S> Void visit(PlainSelect plainSelect, S context) {
            selects.add(plainSelect);
            return super.visit(plainSelect, context);
        }

        static Set<String> tablesIn(Expression e) {
            return e == null ? Set.of() : new Reads().getTables(e);
        }

        static Set<String> tablesIn(FromItem item) {
            if (item instanceof Statement s) {
                return new Reads().getTables(s);
            }
            if (item instanceof Expression e) {
                return tablesIn(e);
            }
            Reads r = new Reads();
            r.init(false);
            item.accept(r, null);
            return r.seen;
        }

        private final Set<String> seen = new LinkedHashSet<>();

        @Override
        public <S> Void visit(Table table, S context) {
            seen.add(extractTableName(table));
            return super.visit(table, context);
        }
    }
}
