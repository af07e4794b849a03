package io.strata.router.internal.plan;

import io.strata.router.KeyType;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import net.sf.jsqlparser.JSQLParserException;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.LongValue;
import net.sf.jsqlparser.schema.Column;
import net.sf.jsqlparser.statement.select.AllColumns;
import net.sf.jsqlparser.statement.select.AllTableColumns;
import net.sf.jsqlparser.statement.select.Fetch;
import net.sf.jsqlparser.statement.select.Limit;
import net.sf.jsqlparser.statement.select.OrderByElement;
import net.sf.jsqlparser.statement.select.ParenthesedSelect;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.Select;
import net.sf.jsqlparser.statement.select.SelectItem;
import net.sf.jsqlparser.statement.select.SetOperation;
import net.sf.jsqlparser.statement.select.SetOperationList;
import net.sf.jsqlparser.statement.select.UnionOp;

/**
 * UNION [ALL], INTERSECT [ALL] and EXCEPT [ALL] over sharded tables, by {@link CombineRule}: each
 * branch is checked as a derived table would be (its rows each come from one shard, or it is
 * pinned to key values), and the per-shard set operation combines exactly when
 *
 * <ul>
 *   <li>every branch outputs a shard key at the same position (same key type): equal rows then
 *       live on one shard, so each shard's INTERSECT/EXCEPT/UNION (ALL or not) is the final
 *       answer for its rows, and the shards' results are concatenated;
 *   <li>or every operation is UNION ALL over partitioned branches: concatenation;
 *   <li>or every operation is UNION over partitioned or broadcast branches: the shards' rows are
 *       de-duplicated once more after the merge (PostgreSQL's row equality: NULLs equal).
 * </ul>
 *
 * Anything else is refused. ORDER BY (output names or positions) and LIMIT/OFFSET are merged.
 */
final class SetOperations {

    private SetOperations() {}

    /** How the set operation is routed: pinned keys (one shard) or none (every shard), and the merge. */
    record Decision(List<KeySource> keys, KeyType keyType, MergeSpec merge, String multiShardRejection) {}

    /** The decision, null when no branch reads a sharded table, or throws the refusal. */
    static Decision plan(SetOperationList sol, RoutingRules rules, Planner planner) throws Planner.Rejected {
        if (sol.getWithItemsList() != null && !sol.getWithItemsList().isEmpty()) {
            throw new Planner.Rejected("Strata: WITH on a set operation over sharded tables is not supported across"
                    + " shards; move the CTE into the branches." + Planner.HINT_HOWTO);
        }
        List<PlainSelect> branches = new ArrayList<>();
        for (Select s : sol.getSelects()) {
            Select x = s;
            while (x instanceof ParenthesedSelect p
                    && (p.getWithItemsList() == null || p.getWithItemsList().isEmpty())
                    && p.getOrderByElements() == null
                    && p.getLimit() == null
                    && p.getOffset() == null
                    && p.getFetch() == null) {
                x = p.getSelect();
            }
            if (!(x instanceof PlainSelect ps)) {
                throw new Planner.Rejected("Strata: a nested set operation, VALUES or a branch with its own"
                        + " ORDER BY/LIMIT (" + s + ") is not supported across shards." + Planner.HINT_HOWTO);
            }
            branches.add(ps);
        }
        // Each branch: partitioned (each row from one shard), pinned, or broadcast-only.
        List<Colocation.Result> results = new ArrayList<>();
        List<KeySource> pinned = new ArrayList<>();
        boolean allPinned = true;
        boolean anyBroadcast = false;
        KeyType type = null;
        for (PlainSelect b : branches) {
            Colocation.Result r;
            try {
                r = Colocation.analyse((PlainSelect) planner.parse("SELECT * FROM (" + b + ") AS __strata_b"), rules);
            } catch (JSQLParserException e) {
                throw new Planner.Rejected("Strata: cannot re-read the branch " + b + ".");
            }
            results.add(r);
            if (r.top().isEmpty() && r.keys() == null) {
                anyBroadcast = true;
                allPinned = false;
                continue;
            }
            if (type != null && r.keyType() != type) {
                throw new Planner.Rejected("Strata: the branches of the set operation read sharded tables of different"
                        + " key types." + Planner.HINT_HOWTO);
            }
            type = r.keyType();
            if (r.keys() == null) {
                allPinned = false;
            } else {
                pinned.addAll(r.keys());
            }
        }
        if (type == null) {
            return null; // no sharded table after all
        }
        MergeSpec merge;
        String multiShard = null;
        try {
            merge = merge(sol, branches, results, anyBroadcast);
        } catch (Planner.Rejected r) {
            if (!allPinned) {
                throw r;
            }
            merge = null;
            multiShard = r.getMessage();
        }
        if (allPinned) {
            for (Colocation.Result r : results) {
                if (r.multiShardRejection() != null && multiShard == null) {
                    multiShard = r.multiShardRejection();
                }
            }
            if (multiShard == null) {
                multiShard = "Strata: every branch of the set operation is pinned to key values;";
            }
            return new Decision(pinned, type, merge, multiShard);
        }
        for (Colocation.Result r : results) {
            if (r.keys() != null || r.multiShardRejection() != null) {
                throw new Planner.Rejected("Strata: a branch of the set operation is pinned to key values while"
                        + " another reads every shard; pin every branch or none." + Planner.HINT_HOWTO);
            }
        }
        return new Decision(null, type, merge, null);
    }

    private static MergeSpec merge(
            SetOperationList sol, List<PlainSelect> branches, List<Colocation.Result> results, boolean anyBroadcast)
            throws Planner.Rejected {
        int width = -1;
        for (PlainSelect b : branches) {
            for (SelectItem<?> item : b.getSelectItems()) {
                if (item.getExpression() instanceof AllColumns || item.getExpression() instanceof AllTableColumns) {
                    throw new Planner.Rejected("Strata: name the columns of each branch of a set operation (no *) to"
                            + " merge it across shards." + Planner.HINT_HOWTO);
                }
            }
            if (width >= 0 && b.getSelectItems().size() != width) {
                throw new Planner.Rejected("each UNION query must have the same number of columns", "42601");
            }
            width = b.getSelectItems().size();
        }
        boolean keyInPlace = false;
        for (int i = 0; i < width && !keyInPlace; i++) {
            boolean all = true;
            for (int b = 0; b < branches.size(); b++) {
                all &= outputsKey(branches.get(b), i, results.get(b));
            }
            keyInPlace = all;
        }
        boolean allUnionAll = true;
        boolean allUnion = true;
        for (SetOperation op : sol.getOperations()) {
            boolean union = op instanceof UnionOp;
            boolean all = op.toString().toUpperCase(Locale.ROOT).contains("ALL");
            allUnionAll &= union && all;
            allUnion &= union && !all;
        }
        boolean distinct;
        if (keyInPlace && !anyBroadcast) {
            distinct = false;
        } else if (allUnionAll && !anyBroadcast) {
            distinct = false;
        } else if (allUnion) {
            distinct = true;
        } else {
            throw new Planner.Rejected("Strata: " + sol.getOperations().get(0) + " across shards needs every branch to"
                    + " output a shard key in the same column (equal rows then live on one shard), or only UNION ALL"
                    + " over sharded tables, or only UNION." + Planner.HINT_HOWTO);
        }
        // ORDER BY output names or positions; LIMIT/OFFSET after the merge.
        List<MergeSpec.OrderKey> order = new ArrayList<>();
        if (sol.getOrderByElements() != null) {
            for (OrderByElement o : sol.getOrderByElements()) {
                int column = outputColumn(MergeBuilder.unparenthesize(o.getExpression()), branches.get(0), width);
                boolean asc = o.isAsc();
                boolean nullsFirst = o.getNullOrdering() == null
                        ? !asc
                        : o.getNullOrdering() == OrderByElement.NullOrdering.NULLS_FIRST;
                order.add(new MergeSpec.OrderKey(column, asc, nullsFirst));
            }
        }
        Fetch fetch = sol.getFetch();
        MergeBuilder.refuseWithTies(fetch);
        KeySource limit = null;
        KeySource offset = null;
        Limit l = sol.getLimit();
        if (l != null) {
            if (l.getRowCount() != null && !l.isLimitAll() && !l.isLimitNull()) {
                limit = MergeBuilder.number(l.getRowCount());
            }
            if (l.getOffset() != null) {
                offset = MergeBuilder.number(l.getOffset());
            }
        }
        if (sol.getOffset() != null) {
            offset = MergeBuilder.number(sol.getOffset().getOffset());
        }
        if (fetch != null) {
            limit = MergeBuilder.fetchLimit(fetch);
        }
        if (offset != null && limit == null) {
            limit = KeySource.literal(null);
        }
        sol.setLimit(null);
        sol.setOffset(null);
        sol.setFetch(null);
        if (distinct) {
            sol.setOrderByElements(null);
        }
        SqlText.Renumbered shardSql = SqlText.unnumber(sol.toString());
        return new MergeSpec(
                shardSql.sql(), shardSql.originalIndexes(), limit, offset, 0, order, distinct, null, distinct);
    }

    /**
     * True when output column {@code i} of a branch is a shard key: a plain column the branch
     * exposes as a key (see {@link Colocation}), under a label no other column of the branch has.
     */
    private static boolean outputsKey(PlainSelect branch, int i, Colocation.Result wrapped) {
        String label = label(branch.getSelectItems().get(i));
        if (label == null
                || !(MergeBuilder.unparenthesize(branch.getSelectItems().get(i).getExpression()) instanceof Column)) {
            return false;
        }
        for (int j = 0; j < branch.getSelectItems().size(); j++) {
            if (j != i && label.equals(label(branch.getSelectItems().get(j)))) {
                return false;
            }
        }
        for (KeyConditions.Occurrence o : wrapped.top()) {
            if (o.rule().keyColumn().equals(label)) {
                return true;
            }
        }
        return false;
    }

    private static String label(SelectItem<?> item) {
        if (item.getAlias() != null) {
            return KeyConditions.normalizeIdentifier(item.getAlias().getName());
        }
        return MergeBuilder.unparenthesize(item.getExpression()) instanceof Column c
                ? KeyConditions.normalizeIdentifier(c.getColumnName())
                : null;
    }

    private static int outputColumn(Expression e, PlainSelect first, int width) throws Planner.Rejected {
        if (e instanceof LongValue lv && lv.getValue() >= 1 && lv.getValue() <= width) {
            return (int) lv.getValue();
        }
        if (e instanceof Column c && (c.getTable() == null || c.getTable().getName() == null)) {
            String name = KeyConditions.normalizeIdentifier(c.getColumnName());
            for (int i = 0; i < width; i++) {
                if (name.equals(label(first.getSelectItems().get(i)))) {
                    return i + 1;
                }
            }
        }
        throw new Planner.Rejected("Strata: ORDER BY " + e + " of a set operation must name an output column (by name"
                + " or position)." + Planner.HINT_HOWTO);
    }
}
