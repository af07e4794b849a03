package io.strata.router.internal.plan;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.strata.router.KeyType;
import io.strata.router.RouteKind;
import io.strata.router.RoutePlanner;
import io.strata.router.TableRule;
import io.strata.router.internal.SqlStates;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import net.sf.jsqlparser.JSQLParserException;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.NullValue;
import net.sf.jsqlparser.expression.operators.relational.ExpressionList;
import net.sf.jsqlparser.parser.CCJSqlParserUtil;
import net.sf.jsqlparser.schema.Column;
import net.sf.jsqlparser.schema.Table;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.statement.delete.Delete;
import net.sf.jsqlparser.statement.insert.Insert;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.Select;
import net.sf.jsqlparser.statement.select.Values;
import net.sf.jsqlparser.statement.update.Update;
import net.sf.jsqlparser.statement.update.UpdateSet;
import net.sf.jsqlparser.util.TablesNamesFinder;

/**
 * The {@link RoutePlanner}: SQL text to {@link Plan}, parsed once with JSqlParser and cached in a
 * bounded Caffeine cache keyed by the text. Rejections are cached too (they are deterministic).
 *
 * <p>Rules: statements on sharded tables are routed by the key found in the top-level WHERE
 * conjuncts ({@code key = ?}, {@code key = literal}, {@code key IN (...)}, {@code key = ANY(?)});
 * joins must link every sharded table on its key; a SELECT without a key scatters; an UPDATE or
 * DELETE without one is refused unless configured; DDL goes to every shard. Anything the planner
 * cannot prove safe is refused with an explanation, never guessed.
 */
public final class Planner implements RoutePlanner {

    static final String HINT_HOWTO = " To route it explicitly, wrap the call in"
            + " try (ShardHint h = ShardHint.shard(\"<shard>\")) { ... } or prefix the SQL with"
            + " /* strata: shard=<shard> */.";

    private static final Set<String> DDL = Set.of("CREATE", "ALTER", "DROP", "TRUNCATE", "COMMENT", "GRANT", "REVOKE");
    private static final Set<String> TX_CONTROL =
            Set.of("BEGIN", "START", "COMMIT", "ROLLBACK", "END", "ABORT", "SAVEPOINT", "RELEASE", "PREPARE");

    private final RoutingRules rules;
    private final Sequences sequences;
    private final Cache<String, Plan> cache;
    // Idle threads end after a minute; daemon threads never keep the JVM alive.
    private final java.util.concurrent.ExecutorService parserThreads =
            java.util.concurrent.Executors.newCachedThreadPool(task -> {
                Thread t = new Thread(task, "strata-sql-parser");
                t.setDaemon(true);
                return t;
            });

    /** A planner over the rules with a plan cache of at most {@code maxPlans} entries. */
    public Planner(RoutingRules rules, long maxPlans) {
        this(rules, maxPlans, Sequences.none());
    }

    /** A planner that also routes the sequences' functions and DDL (see {@link Sequences}). */
    public Planner(RoutingRules rules, long maxPlans, Sequences sequences) {
        this.rules = rules;
        this.sequences = sequences;
        this.cache = Caffeine.newBuilder().maximumSize(maxPlans).recordStats().build();
        for (TableRule rule : rules.tables().values()) {
            if (rule.kind() == TableRule.Kind.TIME_RANGE) {
                grids.put(rule.table(), new TimeGrid(rule.timeRange(), rules.shardNames()));
            }
        }
    }

    /** The interval grids of the time-range tables, by table name. */
    private final Map<String, TimeGrid> grids = new java.util.HashMap<>();

    /** The interval grid of a time-range table (see {@link TimeGrid}). */
    public TimeGrid grid(String table) {
        return grids.get(table);
    }

    private TimeRouting timeRouting(
            TableRule rule, List<TimeRouting.Condition> conditions, List<TimeRouting.Source> rows) {
        return new TimeRouting(grids.get(rule.table()), rules.clock(), rules.shardNames(), conditions, rows);
    }

    /** True when the statement reads or writes a time-range table. */
    private boolean touchesTimeRange(Statement statement) {
        for (String t : tablesOf(statement)) {
            String n = normalize(t);
            TableRule r = n == null ? null : rules.rule(n);
            if (r != null && r.kind() == TableRule.Kind.TIME_RANGE) {
                return true;
            }
        }
        return false;
    }

    /** The plan cache, for metrics. */
    public Cache<String, Plan> cache() {
        return cache;
    }

    @Override
    public Plan plan(String sql) throws SQLException {
        if (sql == null) {
            throw new SQLException("Strata: sql cannot be null", "22004");
        }
        Plan plan = cache.getIfPresent(sql);
        if (plan == null) {
            try {
                plan = build(sql);
            } catch (UnreadableStatement e) {
                plan = Plan.rejected(sql, e.getMessage(), SqlStates.CANNOT_PARSE, SqlText.hints(sql));
            }
            cache.put(sql, plan);
        }
        return plan;
    }

    Plan build(String sql) {
        Map<String, String> hints = SqlText.hints(sql);
        String keyword = SqlText.leadingKeyword(sql);
        if (TX_CONTROL.contains(keyword)) {
            return Plan.rejected(
                    sql,
                    "Strata: transaction control in SQL (" + keyword + ") is not routed;"
                            + " use Connection.setAutoCommit/commit/rollback/setSavepoint instead",
                    SqlStates.TEXT_TX_CONTROL,
                    hints);
        }
        if (DDL.contains(keyword)) {
            Plan onSequences = sequences.ddl(sql, SqlText.stripComments(sql), hints);
            if (onSequences != null) {
                return onSequences;
            }
            Plan p = new Plan(
                    sql,
                    Plan.Target.ALL,
                    RouteKind.BROADCAST,
                    Set.of(),
                    true,
                    false,
                    -1,
                    List.of(),
                    null,
                    null,
                    null,
                    null,
                    null,
                    hints);
            return p;
        }
        if (keyword.equals("SET") || keyword.equals("RESET")) {
            return new Plan(
                    sql,
                    Plan.Target.SESSION,
                    RouteKind.BROADCAST,
                    Set.of(),
                    false,
                    false,
                    -1,
                    List.of(),
                    null,
                    null,
                    null,
                    null,
                    null,
                    hints);
        }
        if (keyword.equals("SHOW")) {
            return any(sql, Set.of(), false, hints);
        }
        String numbered = SqlText.stripComments(SqlText.numberPlaceholders(sql));
        Statement statement;
        try {
            statement = parse(numbered);
        } catch (JSQLParserException e) {
            String cause = e.getCause() != null && e.getCause().getMessage() != null
                    ? e.getCause().getMessage()
                    : String.valueOf(e.getMessage());
            cause = cause.split("\n")[0];
            return Plan.rejected(
                    sql,
                    "Strata cannot parse this statement, so it cannot route it safely (" + cause + ")." + HINT_HOWTO,
                    SqlStates.CANNOT_PARSE,
                    hints);
        }
        if (SqlText.hasBetweenSymmetric(numbered)
                || !SqlText.keepsPlaceholders(statement.toString(), SqlText.countPlaceholders(sql))) {
            return Plan.rejected(
                    sql,
                    "Strata cannot parse this statement faithfully, so it cannot route it safely (its SQL parser,"
                            + " JSqlParser 5.3, misreads part of it: BETWEEN SYMMETRIC/ASYMMETRIC, which can be"
                            + " written (x BETWEEN a AND b OR x BETWEEN b AND a), or a parameter marker read as"
                            + " an operand of the jsonb ? operator)."
                            + HINT_HOWTO,
                    SqlStates.CANNOT_PARSE,
                    hints);
        }
        int nowParameter = 0;
        if (touchesTimeRange(statement)) {
            // now(), current_timestamp, ...: one instant per execution, bound on every shard.
            int k = SqlText.countPlaceholders(sql) + 1;
            try {
                String rewritten = NowText.rewrite(numbered, k);
                if (!rewritten.equals(numbered)) {
                    statement = parse(rewritten);
                    numbered = rewritten;
                    nowParameter = k;
                }
            } catch (NowText.Unsupported e) {
                return Plan.rejected(sql, e.getMessage(), SqlStates.SHAPE_NOT_SUPPORTED, hints);
            } catch (JSQLParserException e) {
                return Plan.rejected(
                        sql,
                        "Strata cannot parse this statement once now() is made a parameter." + HINT_HOWTO,
                        SqlStates.CANNOT_PARSE,
                        hints);
            }
        }
        List<String[]> sequenceCalls = sequences.calls(numbered);
        if (!sequenceCalls.isEmpty()) {
            boolean tableFree =
                    statement instanceof PlainSelect && tablesOf(statement).isEmpty();
            return sequences.route(
                    sql, sequenceCalls, tableFree, tableFree ? null : dispatch(sql, numbered, statement, hints), hints);
        }
        Plan plan = dispatch(sql, numbered, statement, hints);
        if (nowParameter != 0 && plan.time != null) {
            SqlText.Renumbered text = SqlText.unnumber(numbered);
            plan.time.nowParameter = nowParameter;
            plan.shardText = text.sql();
            plan.shardTextMap = text.originalIndexes();
        }
        return plan;
    }

    private Plan dispatch(String sql, String numbered, Statement statement, Map<String, String> hints) {
        try {
            KeyConditions.repairInLists(statement);
            if (statement instanceof PlainSelect ps) {
                try {
                    return plainSelect(sql, numbered, ps, hints);
                } catch (Rejected r) {
                    Plan steps =
                            SqlStates.SHAPE_NOT_SUPPORTED.equals(r.state) ? recursive(sql, numbered, r, hints) : null;
                    if (steps == null) {
                        throw r;
                    }
                    return steps;
                }
            }
            if (statement instanceof Select select) {
                return otherSelect(sql, select, hints);
            }
            if (statement instanceof Insert insert) {
                return sameOnEveryCopy(insert(sql, insert, hints), statement);
            }
            if (statement instanceof Update update) {
                return sameOnEveryCopy(update(sql, update, hints), statement);
            }
            if (statement instanceof Delete delete) {
                return sameOnEveryCopy(delete(sql, delete, hints), statement);
            }
            return Plan.rejected(
                    sql,
                    "Strata does not route " + statement.getClass().getSimpleName() + " statements." + HINT_HOWTO,
                    SqlStates.SHAPE_NOT_SUPPORTED,
                    hints);
        } catch (Rejected r) {
            return Plan.rejected(sql, r.getMessage(), r.state, hints);
        }
    }

    /**
     * Recursive planning of a SELECT refused as one statement: its uncorrelated subqueries and
     * CTEs over sharded tables run first; null when that does not make the rest answerable.
     */
    private Plan recursive(String sql, String numbered, Rejected refusal, Map<String, String> hints) throws Rejected {
        RecursivePlanning.Recursive r =
                RecursivePlanning.rewrite(numbered, this, rules, SqlText.countPlaceholders(sql));
        if (r == null) {
            return null;
        }
        Plan outer = build(SqlText.unnumber(RecursivePlanning.validationText(r)).sql());
        if (outer.isRejected()) {
            return null;
        }
        for (RecursivePlanning.Step step : r.steps()) {
            try {
                if (plan(SqlText.unnumber(step.numberedSql()).sql()).isRejected()) {
                    return null;
                }
            } catch (SQLException e) {
                return null;
            }
        }
        Plan plan = Plan.rejected(
                sql,
                "Strata: this SELECT runs in steps (its subqueries first, as their own statements), which"
                        + " batches and getMetaData() before execution do not support. " + refusal.getMessage(),
                SqlStates.SHAPE_NOT_SUPPORTED,
                hints);
        plan.recursive = r;
        return plan;
    }

    /**
     * Parses with JSqlParser's time limit, on this planner's own daemon threads (the one-argument
     * {@code CCJSqlParserUtil.parse} starts a new thread for every statement).
     */
    Statement parse(String sql) throws JSQLParserException {
        return CCJSqlParserUtil.parse(sql, parserThreads, parser -> {});
    }

    /** Functions that return a different value on each shard, so broadcast copies would diverge. */
    private static final Set<String> PER_SHARD_VALUES = Set.of(
            "random",
            "gen_random_uuid",
            "uuid_generate_v1",
            "uuid_generate_v1mc",
            "uuid_generate_v4",
            "clock_timestamp",
            "timeofday",
            "setseed",
            "txid_current",
            "pg_current_xact_id",
            "inet_server_addr",
            "pg_backend_pid");

    /**
     * A write to a broadcast table runs on every shard; a value computed there differently per shard
     * (random(), gen_random_uuid(), clock_timestamp(), ...) would make the copies differ. Refused.
     */
    private static Plan sameOnEveryCopy(Plan plan, Statement statement) throws Rejected {
        if (!plan.broadcastCopies) {
            return plan;
        }
        CombineRule.Reads reads = new CombineRule.Reads();
        reads.getTables(statement);
        for (String f : reads.functions) {
            if (PER_SHARD_VALUES.contains(f)) {
                throw new Rejected("Strata: the write to broadcast table(s) " + plan.tables + " calls " + f + "(),"
                        + " which gives each shard's copy a different value. Compute the value in the application"
                        + " and pass it as a parameter.");
            }
        }
        return plan;
    }

    /** A planning refusal, turned into a rejected plan. */
    static final class Rejected extends Exception {
        final String state;

        Rejected(String message, String state) {
            super(message, null, false, false);
            this.state = state;
        }

        Rejected(String message) {
            this(message, SqlStates.SHAPE_NOT_SUPPORTED);
        }
    }

    // ---------------------------------------------------------------- placement

    /** The tables of a statement sorted by rule. */
    private final class Placement {
        final Set<String> names = new LinkedHashSet<>();
        final List<TableRule> sharded = new ArrayList<>();
        final List<TableRule> broadcast = new ArrayList<>();
        final Set<Integer> singleShards = new LinkedHashSet<>();

        void add(String rawName) throws Rejected {
            String name = normalize(rawName);
            if (name == null) {
                return; // catalog
            }
            names.add(name);
            TableRule rule = rules.rule(name);
            if (rule == null) {
                if (rules.defaultShard() < 0) {
                    throw new Rejected(
                            "Strata: table '" + name + "' has no table rule and unknown tables are"
                                    + " rejected; declare it sharded, broadcast or single, or configure a default shard.",
                            SqlStates.NO_TABLE_RULE);
                }
                singleShards.add(rules.defaultShard());
                return;
            }
            switch (rule.kind()) {
                case SHARDED, TIME_RANGE -> sharded.add(rule);
                case BROADCAST -> broadcast.add(rule);
                default -> singleShards.add(rules.shardIndex(rule.shard()));
            }
        }

        void addAll(Collection<String> raw) throws Rejected {
            for (String t : raw) {
                add(t);
            }
        }
    }

    /** Lower-case table name without schema or quotes; null for system catalogs. */
    public static String normalize(String raw) {
        String[] parts = raw.split("\\.");
        String schema = parts.length > 1 ? unquote(parts[parts.length - 2]).toLowerCase(Locale.ROOT) : null;
        String name = unquote(parts[parts.length - 1]);
        if (!parts[parts.length - 1].startsWith("\"")) {
            name = name.toLowerCase(Locale.ROOT);
        }
        if ("pg_catalog".equals(schema) || "information_schema".equals(schema) || name.startsWith("pg_")) {
            return null;
        }
        return name;
    }

    public static String unquote(String s) {
        return s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"") ? s.substring(1, s.length() - 1) : s;
    }

    private static Set<String> tablesOf(Statement statement) {
        try {
            return new TablesNamesFinder<Void>().getTables(statement);
        } catch (NullPointerException e) {
            // JSqlParser 5.3's TablesNamesFinder fails on some shapes it parses, e.g.
            // string_agg(v, ',' ORDER BY k) FILTER (WHERE ...): the statement is refused, not crashed on.
            throw new UnreadableStatement(e);
        }
    }

    /** A statement JSqlParser parsed but cannot walk; refused as unparseable ({@code SR005}). */
    static final class UnreadableStatement extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UnreadableStatement(Throwable cause) {
            super("Strata cannot analyse this statement (JSqlParser cannot read its tables)." + HINT_HOWTO, cause);
        }
    }

    private Plan any(String sql, Set<String> tables, boolean write, Map<String, String> hints) {
        return new Plan(
                sql,
                Plan.Target.ANY,
                RouteKind.SINGLE,
                tables,
                write,
                !write,
                -1,
                List.of(),
                null,
                null,
                null,
                null,
                null,
                hints);
    }

    private Plan fixed(
            String sql, Set<String> tables, int shard, boolean write, boolean rows, Map<String, String> hints) {
        return new Plan(
                sql,
                Plan.Target.FIXED,
                RouteKind.SINGLE,
                tables,
                write,
                rows,
                shard,
                List.of(),
                null,
                null,
                null,
                null,
                null,
                hints);
    }

    /** Placement without sharded tables: a single shard, or any shard for broadcast/catalog reads. */
    /** A write to broadcast tables: every shard, each copy's update count counted once. */
    private static Plan broadcastWrite(String sql, Set<String> tables, boolean rows, Map<String, String> hints) {
        Plan plan = new Plan(
                sql,
                Plan.Target.ALL,
                RouteKind.BROADCAST,
                tables,
                true,
                rows,
                -1,
                List.of(),
                null,
                null,
                null,
                null,
                null,
                hints);
        plan.broadcastCopies = true;
        return plan;
    }

    private Plan unsharded(String sql, Placement p, boolean write, boolean rows, Map<String, String> hints)
            throws Rejected {
        if (p.singleShards.size() > 1) {
            throw new Rejected("Strata: the statement joins tables that live on different shards "
                    + names(p.singleShards) + "; cross-shard joins are not supported." + HINT_HOWTO);
        }
        if (p.singleShards.size() == 1) {
            return fixed(sql, p.names, p.singleShards.iterator().next(), write, rows, hints);
        }
        if (write && !p.broadcast.isEmpty()) {
            return broadcastWrite(sql, p.names, rows, hints);
        }
        if (write) {
            // A write that names no table we know (a function call, say) cannot be placed.
            throw new Rejected(
                    "Strata: cannot tell which shard this write belongs to." + HINT_HOWTO, SqlStates.NO_SHARD_KEY);
        }
        Plan plan = any(sql, p.names, false, hints);
        return plan;
    }

    private String names(Set<Integer> shards) {
        List<String> out = new ArrayList<>();
        for (int s : shards) {
            out.add(rules.shardNames().get(s));
        }
        return out.toString();
    }

    // ---------------------------------------------------------------- SELECT

    private Plan otherSelect(String sql, Select select, Map<String, String> hints) throws Rejected {
        Placement p = new Placement();
        p.addAll(tablesOf(select));
        if (!p.sharded.isEmpty()
                && p.singleShards.isEmpty()
                && select instanceof net.sf.jsqlparser.statement.select.SetOperationList sol) {
            SetOperations.Decision d = SetOperations.plan(sol, rules, this);
            if (d != null) {
                Plan plan = new Plan(
                        sql,
                        d.keys() != null ? Plan.Target.KEYED : Plan.Target.ALL,
                        d.keys() != null ? RouteKind.SINGLE : RouteKind.SCATTER,
                        p.names,
                        false,
                        true,
                        -1,
                        d.keys() != null ? d.keys() : List.of(),
                        d.keyType(),
                        d.merge(),
                        null,
                        null,
                        null,
                        hints);
                plan.multiShardRejection = d.multiShardRejection();
                return plan;
            }
        }
        if (!p.sharded.isEmpty()) {
            throw new Rejected("Strata: set operations (UNION/INTERSECT/EXCEPT), WITH queries and VALUES over"
                    + " sharded tables " + shardedNames(p) + " cannot be routed safely." + HINT_HOWTO);
        }
        return unsharded(sql, p, false, true, hints);
    }

    /**
     * Rule 3 of {@link CombineRule}: a sharded table read in any nested SELECT (a subquery in
     * WHERE, SET, VALUES, the select list, LIMIT, ...; {@code top} is the statement's own FROM
     * tree, checked apart) would see one shard's rows only.
     */
    private void rejectShardedSubqueries(Statement statement, PlainSelect top) throws Rejected {
        CombineRule.Reads reads = new CombineRule.Reads();
        reads.getTables(statement);
        for (PlainSelect nested : reads.selects) {
            if (nested == top) {
                continue;
            }
            for (String t : new CombineRule.Reads().getTables((Statement) nested)) {
                String n = normalize(t);
                TableRule r = n == null ? null : rules.rule(n);
                if (r != null && r.kind().spread()) {
                    throw new Rejected("Strata: sharded table '" + n + "' is read in a subquery; a subquery would"
                            + " see one shard's rows only, so the statement is not routed." + HINT_HOWTO);
                }
            }
        }
    }

    private static Set<String> shardedNames(Placement p) {
        Set<String> out = new LinkedHashSet<>();
        for (TableRule r : p.sharded) {
            out.add(r.table());
        }
        return out;
    }

    private Plan plainSelect(String sql, String numbered, PlainSelect ps, Map<String, String> hints) throws Rejected {
        Placement p = new Placement();
        p.addAll(tablesOf(ps));
        if (p.sharded.isEmpty()) {
            return unsharded(sql, p, false, true, hints);
        }
        if (!p.singleShards.isEmpty()) {
            throw new Rejected("Strata: the statement joins sharded tables " + shardedNames(p)
                    + " with tables that live on one shard; cross-shard joins are not supported." + HINT_HOWTO);
        }
        for (TableRule r : p.sharded) {
            if (r.kind() == TableRule.Kind.TIME_RANGE) {
                // Before Colocation, which refuses time-range tables (it co-locates hash-sharded ones).
                return timeRangeSelect(sql, numbered, ps, p, hints);
            }
        }
        // Rules 1 to 3 of CombineRule, nested SELECTs included.
        Colocation.Result co = Colocation.analyse(ps, rules);
        if (co.top().isEmpty() && co.keys() == null) {
            throw new Rejected("Strata: sharded tables " + shardedNames(p) + " are read only where Strata cannot"
                    + " place them (an unreferenced CTE?); that cannot be routed safely." + HINT_HOWTO);
        }
        KeyType keyType = co.keyType();
        List<KeySource> keys = co.keys();
        boolean slotIds = false;
        if (keys == null && co.top().size() == 1 && co.multiShardRejection() == null) {
            KeyConditions.Occurrence only = co.top().get(0);
            keys = SlotIdRouting.idKeys(KeyConditions.conjuncts(ps.getWhere()), only.name(), only.alias(), only.rule());
            slotIds = keys != null;
        }
        // Rule 3 of CombineRule: a subquery over broadcast tables whose rows depend on physical
        // order differs between broadcast copies; fine on one shard, not when several shards answer.
        String multiShard = co.multiShardRejection();
        CombineRule.Reads reads = new CombineRule.Reads();
        reads.getTables((Statement) ps);
        for (PlainSelect nestedSelect : reads.selects) {
            if (nestedSelect == ps || co.shardedSelects().contains(nestedSelect)) {
                continue;
            }
            boolean window = false;
            for (var item : nestedSelect.getSelectItems()) {
                window |= MergeBuilder.find(item.getExpression()).window;
            }
            if (multiShard == null
                    && (window
                            || nestedSelect.getLimit() != null
                            || nestedSelect.getOffset() != null
                            || nestedSelect.getFetch() != null)) {
                multiShard = "Strata: a subquery with LIMIT/OFFSET/FETCH or a window function (" + nestedSelect
                        + ") may pick different"
                        + " rows on each shard's copy of a broadcast table; across shards that is not answered."
                        + HINT_HOWTO;
            }
        }
        MergeSpec merge = null;
        try {
            merge = MergeBuilder.build(sql, numbered, this, co.top());
        } catch (Rejected r) {
            if (multiShard == null) {
                multiShard = r.getMessage();
            }
        }
        if (multiShard != null && keys == null) {
            throw new Rejected(multiShard);
        }
        if (keys != null) {
            Plan keyed = new Plan(
                    sql,
                    Plan.Target.KEYED,
                    RouteKind.SINGLE,
                    p.names,
                    false,
                    true,
                    -1,
                    keys,
                    keyType,
                    merge,
                    null,
                    null,
                    null,
                    hints);
            keyed.multiShardRejection = multiShard;
            keyed.slotIdKeys = slotIds;
            return keyed;
        }
        return new Plan(
                sql,
                Plan.Target.ALL,
                RouteKind.SCATTER,
                p.names,
                false,
                true,
                -1,
                List.of(),
                keyType,
                merge,
                null,
                null,
                null,
                hints);
    }

    /**
     * A SELECT reading a time-range table: planned as branch time-shard planned it (issue 14), with
     * the FROM/JOIN tree of {@link CombineRule#fromTree}: the table may be joined with broadcast
     * tables only, and no spread table may be read in a subquery; the plan routes by the intervals
     * the WHERE bounds cover ({@link TimeRouting}).
     */
    private Plan timeRangeSelect(String sql, String numbered, PlainSelect ps, Placement p, Map<String, String> hints)
            throws Rejected {
        if (ps.getWithItemsList() != null && !ps.getWithItemsList().isEmpty()) {
            throw new Rejected("Strata: WITH queries over time-range tables " + shardedNames(p)
                    + " cannot be routed safely." + HINT_HOWTO);
        }
        rejectShardedSubqueries(ps, ps);
        CombineRule.FromTree tree = CombineRule.fromTree(ps, rules);
        List<KeyConditions.Occurrence> occurrences = tree.occurrences();
        List<Expression> joinConditions = tree.joinLinks();
        // Sharded tables anywhere but the main FROM/JOIN tree (subqueries) would be read on one shard only.
        Set<String> nested = new LinkedHashSet<>();
        nested.addAll(CombineRule.Reads.tablesIn(ps.getWhere()));
        nested.addAll(CombineRule.Reads.tablesIn(ps.getHaving()));
        for (var item : ps.getSelectItems()) {
            if (item.getExpression() != null
                    && !(item.getExpression() instanceof net.sf.jsqlparser.statement.select.AllColumns)) {
                nested.addAll(CombineRule.Reads.tablesIn(item.getExpression()));
            }
        }
        if (ps.getOrderByElements() != null) {
            for (var o : ps.getOrderByElements()) {
                nested.addAll(CombineRule.Reads.tablesIn(o.getExpression()));
            }
        }
        if (ps.getGroupBy() != null && ps.getGroupBy().getGroupByExpressionList() != null) {
            for (Object g : ps.getGroupBy().getGroupByExpressionList()) {
                nested.addAll(CombineRule.Reads.tablesIn((Expression) g));
            }
        }
        for (Expression e : joinConditions) {
            if (!(e instanceof KeyConditions.UsingMarker)) {
                nested.addAll(CombineRule.Reads.tablesIn(e));
            }
        }
        for (String t : nested) {
            String n = normalize(t);
            TableRule r = n == null ? null : rules.rule(n);
            if (r != null && r.kind().spread()) {
                throw new Rejected("Strata: sharded table '" + n + "' is read in a subquery; a subquery would see"
                        + " one shard's rows only, so the statement is not routed." + HINT_HOWTO);
            }
        }
        if (occurrences.isEmpty()) {
            throw new Rejected("Strata: sharded tables " + shardedNames(p) + " are read through a derived table;"
                    + " that cannot be routed safely." + HINT_HOWTO);
        }
        KeyConditions.Occurrence timed = null;
        for (KeyConditions.Occurrence o : occurrences) {
            if (o.rule().kind() == TableRule.Kind.TIME_RANGE) {
                timed = o;
            }
        }
        if (timed != null && occurrences.size() > 1) {
            throw new Rejected("Strata: time-range table '" + timed.name() + "' is joined with another sharded or"
                    + " time-range table; their rows are placed independently, so the join would cross shards."
                    + " Join it with broadcast tables only." + HINT_HOWTO);
        }
        List<Expression> whereConjuncts = KeyConditions.conjuncts(ps.getWhere());
        if (occurrences.size() > 1) {
            List<Expression> links = new ArrayList<>(joinConditions);
            links.addAll(whereConjuncts);
            KeyConditions.checkLinked(occurrences, links);
        }
        if (timed == null) {
            // Only a hash-sharded table in the FROM tree: a time-range table is read elsewhere.
            throw new Rejected("Strata: time-range tables " + shardedNames(p) + " are read where Strata cannot"
                    + " place them; join a time-range table with broadcast tables only." + HINT_HOWTO);
        }
        // Rule 3 of CombineRule: a subquery whose rows depend on physical order differs between
        // broadcast copies; fine on one shard, not when several shards answer.
        String multiShard = null;
        CombineRule.Reads reads = new CombineRule.Reads();
        reads.getTables((Statement) ps);
        for (PlainSelect nestedSelect : reads.selects) {
            if (nestedSelect == ps) {
                continue;
            }
            boolean window = false;
            for (var item : nestedSelect.getSelectItems()) {
                window |= MergeBuilder.find(item.getExpression()).window;
            }
            if (window
                    || nestedSelect.getLimit() != null
                    || nestedSelect.getOffset() != null
                    || nestedSelect.getFetch() != null) {
                multiShard = "Strata: a subquery with LIMIT/OFFSET/FETCH or a window function (" + nestedSelect
                        + ") may pick different"
                        + " rows on each shard's copy of a broadcast table; across shards that is not answered."
                        + HINT_HOWTO;
            }
        }
        MergeSpec merge = null;
        try {
            merge = MergeBuilder.build(sql, numbered, this, List.of());
        } catch (Rejected r) {
            multiShard = r.getMessage();
        }
        List<TimeRouting.Condition> conditions = TimeRouting.conditions(whereConjuncts, timed);
        Plan plan = new Plan(
                sql,
                Plan.Target.TIME,
                conditions.isEmpty() ? RouteKind.SCATTER : RouteKind.SINGLE,
                p.names,
                false,
                true,
                -1,
                List.of(),
                null,
                merge,
                null,
                null,
                null,
                hints);
        plan.multiShardRejection = multiShard;
        plan.time = timeRouting(timed.rule(), conditions, null);
        return plan;
    }

    // ---------------------------------------------------------------- INSERT / UPDATE / DELETE

    private Plan insert(String sql, Insert insert, Map<String, String> hints) throws Rejected {
        Placement target = new Placement();
        target.add(insert.getTable().getFullyQualifiedName());
        Placement p = new Placement();
        p.addAll(tablesOf(insert));
        boolean rows = insert.getReturningClause() != null;
        if (target.names.isEmpty()) {
            throw new Rejected("Strata: writes to system catalogs are not routed." + HINT_HOWTO);
        }
        if (target.sharded.isEmpty()) {
            if (!p.sharded.isEmpty()) {
                throw new Rejected("Strata: INSERT ... SELECT from sharded tables " + shardedNames(p)
                        + " into a table that is not sharded the same way cannot be routed safely." + HINT_HOWTO);
            }
            if (!target.broadcast.isEmpty()) {
                // broadcast target: every shard, whatever it reads must be on every shard too
                if (!p.singleShards.isEmpty()) {
                    throw new Rejected(
                            "Strata: INSERT into broadcast table reads a table that lives on one shard." + HINT_HOWTO);
                }
                return broadcastWrite(sql, p.names, rows, hints);
            }
            return unsharded(sql, p, true, rows, hints);
        }
        TableRule rule = target.sharded.get(0);
        rejectShardedSubqueries(insert, null);
        if (p.sharded.size() > 1 || !p.singleShards.isEmpty()) {
            throw new Rejected("Strata: INSERT into sharded table '" + rule.table() + "' reads other tables that are"
                    + " not broadcast; that cannot be routed safely." + HINT_HOWTO);
        }
        if (!(insert.getSelect() instanceof Values values)) {
            throw new Rejected("Strata: INSERT ... SELECT into sharded table '" + rule.table() + "' cannot be"
                    + " routed; use INSERT ... VALUES with the shard key '" + rule.keyColumn() + "'." + HINT_HOWTO);
        }
        if (insert.getColumns() == null || insert.getColumns().isEmpty()) {
            throw new Rejected(
                    "Strata: INSERT into sharded table '" + rule.table() + "' without a column list is not routed:"
                            + " Strata does not read the table's column order, so it cannot find the shard key '"
                            + rule.keyColumn() + "'. Name the columns: INSERT INTO " + rule.table() + " ("
                            + rule.keyColumn() + ", ...) VALUES (...).",
                    SqlStates.NO_SHARD_KEY);
        }
        int keyPosition = -1;
        for (int i = 0; i < insert.getColumns().size(); i++) {
            if (KeyConditions.normalizeIdentifier(insert.getColumns().get(i).getColumnName())
                    .equals(rule.keyColumn())) {
                keyPosition = i;
            }
        }
        if (keyPosition < 0) {
            throw new Rejected(
                    "Strata: INSERT into sharded table '" + rule.table() + "' must give the shard key" + " column '"
                            + rule.keyColumn() + "'.",
                    SqlStates.NO_SHARD_KEY);
        }
        if (insert.getConflictAction() != null && insert.getConflictAction().getUpdateSets() != null) {
            for (UpdateSet set : insert.getConflictAction().getUpdateSets()) {
                for (Column c : set.getColumns()) {
                    if (KeyConditions.normalizeIdentifier(c.getColumnName()).equals(rule.keyColumn())) {
                        throw new Rejected(
                                "Strata: ON CONFLICT DO UPDATE would change shard key '"
                                        + rule.keyColumn() + "' of sharded table '" + rule.table() + "'; moving a row"
                                        + " between shards is not supported.",
                                SqlStates.CHANGES_SHARD_KEY);
                    }
                }
            }
        }
        ExpressionList<?> list = values.getExpressions();
        List<ExpressionList<?>> rowLists = new ArrayList<>();
        boolean multi = !list.isEmpty();
        for (Expression e : list) {
            multi &= e instanceof ExpressionList<?>;
        }
        if (multi) {
            for (Expression e : list) {
                rowLists.add((ExpressionList<?>) e);
            }
        } else {
            rowLists.add(list);
        }
        boolean timed = rule.kind() == TableRule.Kind.TIME_RANGE;
        List<TimeRouting.Source> timeRows = new ArrayList<>();
        List<KeySource> rowKeys = new ArrayList<>();
        for (ExpressionList<?> row : rowLists) {
            if (row.size() != insert.getColumns().size()) {
                throw new Rejected(
                        "Strata: INSERT has " + insert.getColumns().size() + " columns but a row has " + row.size()
                                + " values.",
                        "42601");
            }
            Expression v = row.get(keyPosition);
            if (KeyConditions.stripCast(v) instanceof NullValue) {
                throw new Rejected(
                        "Strata: the shard key '" + rule.keyColumn() + "' of an inserted row is NULL.",
                        SqlStates.NO_SHARD_KEY);
            }
            if (timed) {
                TimeRouting.Source t = TimeRouting.source(v);
                if (t == null) {
                    throw new Rejected(
                            "Strata: the time column '" + rule.keyColumn() + "' of every inserted row must be a"
                                    + " literal, a parameter or now() (with casts and +/- interval '...'), but was "
                                    + v + ".",
                            SqlStates.NO_SHARD_KEY);
                }
                timeRows.add(t);
                continue;
            }
            KeySource k = KeyConditions.keySource(v);
            if (k == null) {
                throw new Rejected(
                        "Strata: the shard key '" + rule.keyColumn() + "' of every inserted row must be a"
                                + " literal or a parameter, but was " + v + ".",
                        SqlStates.NO_SHARD_KEY);
            }
            rowKeys.add(k);
        }
        if (timed) {
            Plan plan = new Plan(
                    sql,
                    Plan.Target.TIME,
                    RouteKind.SINGLE,
                    p.names,
                    true,
                    rows,
                    -1,
                    List.of(),
                    null,
                    null,
                    rowLists.size() == 1 ? null : split(insert, values, rowLists, rowKeys, null),
                    null,
                    null,
                    hints);
            plan.isInsert = true;
            plan.time = timeRouting(rule, List.of(), timeRows);
            return plan;
        }
        if (rowLists.size() == 1) {
            Plan plan = new Plan(
                    sql,
                    Plan.Target.KEYED,
                    RouteKind.SINGLE,
                    p.names,
                    true,
                    rows,
                    -1,
                    rowKeys,
                    rule.keyType(),
                    null,
                    null,
                    null,
                    null,
                    hints);
            plan.isInsert = true;
            return plan;
        }
        Plan.InsertSplit split = split(insert, values, rowLists, rowKeys, rule.keyType());
        return new Plan(
                sql,
                Plan.Target.INSERT_ROWS,
                RouteKind.SINGLE,
                p.names,
                true,
                rows,
                -1,
                List.of(),
                rule.keyType(),
                null,
                split,
                null,
                null,
                hints);
    }

    /** The SQL text around a multi-row INSERT's VALUES rows, and each row's text, to split it by shard. */
    private static Plan.InsertSplit split(
            Insert insert, Values values, List<ExpressionList<?>> rowLists, List<KeySource> rowKeys, KeyType keyType) {
        List<String> rowTexts = new ArrayList<>();
        for (ExpressionList<?> row : rowLists) {
            rowTexts.add(row.toString());
        }
        String marker = "__strata_rows__";
        values.setExpressions(new ExpressionList<Expression>(new Column(marker)));
        String text = insert.toString();
        int at = text.indexOf(marker);
        String prefix = text.substring(0, at);
        String suffix = text.substring(at + marker.length());
        if (prefix.endsWith("(") && suffix.startsWith(")")) {
            prefix = prefix.substring(0, prefix.length() - 1);
            suffix = suffix.substring(1);
        }
        return new Plan.InsertSplit(prefix, suffix, rowTexts, rowKeys, keyType);
    }

    private Plan update(String sql, Update update, Map<String, String> hints) throws Rejected {
        Placement p = new Placement();
        p.addAll(tablesOf(update));
        Placement target = new Placement();
        target.add(update.getTable().getFullyQualifiedName());
        boolean rows = update.getReturningClause() != null;
        KeySource setKey = null;
        TableRule sharded = target.sharded.isEmpty() ? null : target.sharded.get(0);
        TimeRouting.Source timeSet = null;
        if (sharded != null && sharded.kind() == TableRule.Kind.TIME_RANGE) {
            timeSet = timeSet(update, sharded);
        } else if (sharded != null) {
            setKey = setKey(update, sharded);
        }
        if (!p.sharded.isEmpty()) {
            rejectShardedSubqueries(update, null);
        }
        Plan plan = write(sql, "UPDATE", update.getTable(), update.getWhere(), p, target, rows, hints);
        if (timeSet != null) {
            plan.time.setValue = timeSet;
            if (plan.time.constant() && timeSet.constant()) {
                try {
                    plan.calls(rules.shardMap(), null, -1, 0, rules.shardNames().size());
                } catch (SQLException e) {
                    throw new Rejected(e.getMessage(), e.getSQLState());
                }
            }
        }
        if (setKey != null) {
            if (plan.target != Plan.Target.KEYED) {
                throw new Rejected(
                        "Strata: the UPDATE sets shard key '" + sharded.keyColumn() + "' of sharded table '"
                                + sharded.table() + "' without naming its rows by key or slot-carrying id, so Strata"
                                + " cannot prove the rows stay on their shard. Add the shard key to the WHERE"
                                + " clause, or declare a slot-carrying id (TableRule.withSlotId).",
                        SqlStates.CHANGES_SHARD_KEY);
            }
            plan.setKey = setKey;
            plan.setKeyType = sharded.keyType();
            checkLiteralSetKey(plan, sharded);
        }
        return plan;
    }

    /** With literal keys and a literal new key, the slot check is made now: a move is refused at planning. */
    private void checkLiteralSetKey(Plan plan, TableRule rule) throws Rejected {
        if (plan.setKey.parameter() != 0) {
            return;
        }
        for (KeySource k : plan.keys) {
            if (k.parameter() != 0) {
                return;
            }
        }
        try {
            plan.calls(rules.shardMap(), null, -1, 0, rules.shardNames().size());
        } catch (SQLException e) {
            throw new Rejected(
                    "Strata: the UPDATE changes shard key '" + rule.keyColumn() + "' of sharded table '" + rule.table()
                            + "': " + e.getMessage(),
                    e.getSQLState() != null ? e.getSQLState() : SqlStates.CHANGES_SHARD_KEY);
        }
    }

    /**
     * The value an UPDATE sets a time-range table's time column to (checked per execution: the rows
     * must stay on their shard), or null when it does not set it.
     */
    private static TimeRouting.Source timeSet(Update update, TableRule rule) throws Rejected {
        return setValue(update, rule, TimeRouting::source, "time column", "time-range table");
    }

    /**
     * The value an UPDATE sets the shard key to (a parameter or literal, checked at run time
     * against the rows' slot), or null when it does not set it.
     */
    private static KeySource setKey(Update update, TableRule rule) throws Rejected {
        return setValue(update, rule, KeyConditions::keySource, "shard key", "sharded table");
    }

    /**
     * What an UPDATE sets {@code rule}'s key column to, read by {@code reader} (null: a value it
     * cannot check), or null when the UPDATE does not set the column; refused when it is set twice or
     * to a value the reader cannot check (a row would have to move between shards).
     */
    private static <T> T setValue(
            Update update,
            TableRule rule,
            java.util.function.Function<Expression, T> reader,
            String column,
            String table)
            throws Rejected {
        T found = null;
        for (UpdateSet set : update.getUpdateSets()) {
            for (int i = 0; i < set.getColumns().size(); i++) {
                Column c = set.getColumns().get(i);
                if (!KeyConditions.normalizeIdentifier(c.getColumnName()).equals(rule.keyColumn())) {
                    continue;
                }
                T value = set.getColumns().size() == set.getValues().size()
                        ? reader.apply(set.getValues().get(i))
                        : null;
                if (value == null || found != null) {
                    throw new Rejected(
                            "Strata: the UPDATE changes " + column + " '" + rule.keyColumn() + "' of " + table + " '"
                                    + rule.table() + "' to a value Strata cannot check (" + set + "); moving a row"
                                    + " between shards is not supported. Delete and re-insert it instead.",
                            SqlStates.CHANGES_SHARD_KEY);
                }
                found = value;
            }
        }
        return found;
    }

    private Plan delete(String sql, Delete delete, Map<String, String> hints) throws Rejected {
        Placement p = new Placement();
        p.addAll(tablesOf(delete));
        Placement target = new Placement();
        target.add(delete.getTable().getFullyQualifiedName());
        boolean rows = delete.getReturningClause() != null;
        if (!p.sharded.isEmpty()) {
            rejectShardedSubqueries(delete, null);
        }
        return write(sql, "DELETE", delete.getTable(), delete.getWhere(), p, target, rows, hints);
    }

    private Plan write(
            String sql,
            String verb,
            Table table,
            Expression where,
            Placement all,
            Placement target,
            boolean rows,
            Map<String, String> hints)
            throws Rejected {
        if (target.names.isEmpty()) {
            throw new Rejected("Strata: writes to system catalogs are not routed." + HINT_HOWTO);
        }
        if (target.sharded.isEmpty()) {
            if (!all.sharded.isEmpty()) {
                throw new Rejected("Strata: the " + verb + " reads sharded tables " + shardedNames(all)
                        + " to write a table that is not sharded; that cannot be routed safely." + HINT_HOWTO);
            }
            if (!target.broadcast.isEmpty()) {
                if (!all.singleShards.isEmpty()) {
                    throw new Rejected("Strata: the " + verb + " of a broadcast table reads a table that lives on one"
                            + " shard." + HINT_HOWTO);
                }
                Plan plan = new Plan(
                        sql,
                        Plan.Target.ALL,
                        RouteKind.BROADCAST,
                        all.names,
                        true,
                        rows,
                        -1,
                        List.of(),
                        null,
                        null,
                        null,
                        null,
                        null,
                        hints);
                plan.broadcastCopies = true;
                return plan;
            }
            return unsharded(sql, all, true, rows, hints);
        }
        TableRule rule = target.sharded.get(0);
        if (all.sharded.size() > 1 || !all.singleShards.isEmpty()) {
            throw new Rejected("Strata: the " + verb + " of sharded table '" + rule.table() + "' reads other tables"
                    + " that are not broadcast; that cannot be routed safely." + HINT_HOWTO);
        }
        String alias = table.getAlias() == null
                ? null
                : KeyConditions.normalizeIdentifier(table.getAlias().getName());
        List<KeyConditions.Occurrence> occurrences = List.of(new KeyConditions.Occurrence(rule.table(), alias, rule));
        if (rule.kind() == TableRule.Kind.TIME_RANGE) {
            List<TimeRouting.Condition> conditions =
                    TimeRouting.conditions(KeyConditions.conjuncts(where), occurrences.get(0));
            if (conditions.isEmpty() && !rules.keylessWritesToAllShards()) {
                throw new Rejected(
                        "Strata: the " + verb + " of time-range table '" + rule.table() + "' has no bound on its"
                                + " time column '" + rule.keyColumn() + "' (=, <, <=, >, >=, BETWEEN, IN with"
                                + " literals, parameters or now()), and writes to all shards are not enabled"
                                + " (keylessWrites: all-shards)." + HINT_HOWTO,
                        SqlStates.NO_SHARD_KEY);
            }
            Plan plan = new Plan(
                    sql,
                    Plan.Target.TIME,
                    conditions.isEmpty() ? RouteKind.BROADCAST : RouteKind.SINGLE,
                    all.names,
                    true,
                    rows,
                    -1,
                    List.of(),
                    null,
                    null,
                    null,
                    null,
                    null,
                    hints);
            plan.time = timeRouting(rule, conditions, null);
            return plan;
        }
        List<KeySource> keys = KeyConditions.keys(KeyConditions.conjuncts(where), occurrences);
        List<KeySource> ids =
                keys != null ? null : SlotIdRouting.idKeys(KeyConditions.conjuncts(where), rule.table(), alias, rule);
        if (ids != null) {
            Plan byId = new Plan(
                    sql,
                    Plan.Target.KEYED,
                    RouteKind.SINGLE,
                    all.names,
                    true,
                    rows,
                    -1,
                    ids,
                    KeyType.LONG,
                    null,
                    null,
                    null,
                    null,
                    hints);
            byId.slotIdKeys = true;
            return byId;
        }
        if (keys != null) {
            return new Plan(
                    sql,
                    Plan.Target.KEYED,
                    RouteKind.SINGLE,
                    all.names,
                    true,
                    rows,
                    -1,
                    keys,
                    rule.keyType(),
                    null,
                    null,
                    null,
                    null,
                    hints);
        }
        if (!rules.keylessWritesToAllShards()) {
            throw new Rejected(
                    "Strata: the " + verb + " of sharded table '" + rule.table() + "' has no condition on"
                            + " its shard key '" + rule.keyColumn()
                            + "' (key = ?, key IN (...), key = ANY(?)), and writes"
                            + " to all shards are not enabled (keylessWrites: all-shards)." + HINT_HOWTO,
                    SqlStates.NO_SHARD_KEY);
        }
        return new Plan(
                sql,
                Plan.Target.ALL,
                RouteKind.BROADCAST,
                all.names,
                true,
                rows,
                -1,
                List.of(),
                rule.keyType(),
                null,
                null,
                null,
                null,
                hints);
    }
}
