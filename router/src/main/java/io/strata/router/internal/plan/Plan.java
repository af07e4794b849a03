package io.strata.router.internal.plan;

import io.strata.router.KeyType;
import io.strata.router.RouteKind;
import io.strata.router.RoutePlan;
import io.strata.router.internal.SqlStates;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The planner's output for one SQL text. Immutable; turned into physical {@link Call}s per
 * execution by {@link #calls}.
 */
public final class Plan implements RoutePlan {

    /** How targets are chosen. */
    public enum Target {
        /** Any one shard (catalog queries, broadcast-table reads). */
        ANY,
        /** A fixed shard (single-table rule, default shard). */
        FIXED,
        /** The shards the key values hash to. */
        KEYED,
        /** Every shard. */
        ALL,
        /** A sharded INSERT whose rows are split by shard. */
        INSERT_ROWS,
        /** The shards of the time intervals a time-range statement covers (see {@link TimeRouting}). */
        TIME,
        /** A session command (SET) applied to every open physical connection and replayed. */
        SESSION,
        /** Refused; {@link #rejection} says why. */
        REJECTED
    }

    final String sql;
    public final Target target;
    final RouteKind kind;
    final Set<String> tables;
    final boolean write;
    final boolean returnsRows;
    final int fixedShard;
    final List<KeySource> keys;
    final KeyType keyType;
    public final MergeSpec merge;
    final InsertSplit insert;
    final String rejection;
    final String rejectionState;
    final Map<String, String> hints;
    final int parameterCount;
    /** True for INSERT plans, whose NULL keys are errors rather than matching nothing. */
    boolean isInsert;

    Plan(
            String sql,
            Target target,
            RouteKind kind,
            Set<String> tables,
            boolean write,
            boolean returnsRows,
            int fixedShard,
            List<KeySource> keys,
            KeyType keyType,
            MergeSpec merge,
            InsertSplit insert,
            String rejection,
            String rejectionState,
            Map<String, String> hints) {
        this.sql = sql;
        this.target = target;
        this.kind = kind;
        this.tables = tables;
        this.write = write;
        this.returnsRows = returnsRows;
        this.fixedShard = fixedShard;
        this.keys = keys;
        this.keyType = keyType;
        this.merge = merge;
        this.insert = insert;
        this.rejection = rejection;
        this.rejectionState = rejectionState;
        this.hints = hints;
        this.parameterCount = SqlText.countPlaceholders(sql);
    }

    static Plan rejected(String sql, String reason, String sqlState, Map<String, String> hints) {
        return new Plan(
                sql,
                Target.REJECTED,
                RouteKind.SINGLE,
                Set.of(),
                false,
                false,
                -1,
                List.of(),
                null,
                null,
                null,
                reason,
                sqlState,
                hints);
    }

    /** A rows-split INSERT: SQL text around the VALUES rows, and per row its key and its text. */
    record InsertSplit(String prefix, String suffix, List<String> rowTexts, List<KeySource> rowKeys, KeyType keyType) {}

    @Override
    public String sql() {
        return sql;
    }

    @Override
    public RouteKind kind() {
        return kind;
    }

    @Override
    public Set<String> tables() {
        return tables;
    }

    @Override
    public boolean isWrite() {
        return write;
    }

    /** True when the statement's results come back as rows. */
    public boolean returnsRows() {
        return returnsRows;
    }

    /** True when the plan refuses the statement. */
    public boolean isRejected() {
        return target == Target.REJECTED;
    }

    /** True when the statement is a session command (SET, RESET). */
    public boolean isSession() {
        return target == Target.SESSION;
    }

    /** True when the statement reaches every shard as a write (update counts from one copy). */
    public boolean countsOneCopy() {
        return write && broadcastCopies;
    }

    /** Set by the planner for writes to broadcast tables: every shard holds the same copy. */
    boolean broadcastCopies;

    /** True when {@link #keys} are ids carrying their row's slot (see {@link SlotIdRouting}). */
    boolean slotIdKeys;

    /** For an UPDATE that sets the shard key: the new value, checked against the rows' slot. */
    KeySource setKey;

    /** The shard key's type, for {@link #setKey}. */
    KeyType setKeyType;

    /** Set for statements that call sequence functions: the shard they must run on (see {@link Sequences}). */
    public Sequences.SequenceCall sequence;

    /**
     * Set by the planner for a keyed SELECT that one shard answers exactly but several shards
     * could not combine (see {@link CombineRule}): why, thrown when the keys reach several shards.
     */
    String multiShardRejection;

    /**
     * Set for a SELECT answered by recursive planning ({@link RecursivePlanning}): its subqueries
     * run first, then the rest with their results as parameters. The plan itself is a rejection,
     * so paths that cannot run steps (batches, metadata) refuse it, and a hint sends it whole.
     */
    public RecursivePlanning.Recursive recursive;

    /** For statements on a time-range table: how intervals and shards are found. */
    TimeRouting time;

    /**
     * The text sent to one shard, or to each shard when no merge rewrite applies: the SQL itself,
     * or for a time-range statement whose current-time calls became a parameter, that rewrite.
     */
    String shardText;

    /** For each placeholder of {@link #shardText} the application parameter to bind, or null (same numbering). */
    int[] shardTextMap;

    /**
     * The parameters of one execution: the application's, plus for a time-range statement that
     * calls {@code now()} (or {@code current_timestamp}, ...) Strata's instant for it, taken once
     * here so routing and every shard see the same one.
     */
    public Param[] withNow(Param[] params) {
        return time == null || time.nowParameter == 0 ? params : time.withNow(params, time.now());
    }

    /** As {@link #withNow(Param[])} for every entry of a batch, with one instant for the batch. */
    public List<Param[]> withNow(List<Param[]> batch) {
        if (time == null || time.nowParameter == 0) {
            return batch;
        }
        java.time.Instant now = time.now();
        List<Param[]> out = new ArrayList<>(batch.size());
        for (Param[] p : batch) {
            out.add(time.withNow(p, now));
        }
        return out;
    }

    /** The hint values found in the SQL's comments. */
    public Map<String, String> hints() {
        return hints;
    }

    /** The number of JDBC placeholders. */
    public int parameterCount() {
        return parameterCount;
    }

    @Override
    public String describe() {
        if (target == Target.REJECTED) {
            return "rejected: " + rejection;
        }
        return kind + " " + target + (tables.isEmpty() ? "" : " " + tables) + (write ? " write" : " read")
                + (time == null ? "" : ", " + time.describe());
    }

    @Override
    public String toString() {
        return "RoutePlan{" + describe() + "}";
    }

    /** Throws the plan's rejection. */
    public SQLException rejection() {
        return new SQLException(rejection, rejectionState);
    }

    /**
     * The physical calls for one execution.
     *
     * @param params the bound parameters (may be null when the statement has none)
     * @param hintShard the shard a {@code ShardHint} or comment hint names, or -1
     * @param anyShard the shard to use for {@link Target#ANY}
     * @param shardCount the number of shards
     */
    public List<Call> calls(io.strata.router.ShardMap map, Param[] params, int hintShard, int anyShard, int shardCount)
            throws SQLException {
        switch (target) {
            case REJECTED:
                if (hintShard >= 0) {
                    return whole(hintShard, shardCount);
                }
                throw rejection();
            case ANY:
                return whole(hintShard >= 0 ? hintShard : anyShard, shardCount);
            case FIXED:
                return whole(hintShard >= 0 ? hintShard : fixedShard, shardCount);
            case KEYED: {
                int one = hintShard < 0 ? oneLongKeyShard(map, params) : -1;
                if (one >= 0) {
                    return whole(one, shardCount);
                }
                BitSet shards = new BitSet(shardCount);
                Object newKey = setKey == null ? null : setKey.values(params).get(0);
                for (KeySource key : keys) {
                    for (Object v : key.values(params)) {
                        if ((v == null || matchesNoBigint(v)) && insert == null && !isInsert) {
                            continue; // key = NULL (or = 4.5 on a bigint key) matches no row anywhere
                        }
                        int slot = slotIdKeys ? SlotIdRouting.slotOfId(v, map) : map.slotOf(v, keyType);
                        if (setKey != null) {
                            SlotIdRouting.checkSetKey(newKey, setKeyType, slot, map);
                        }
                        shards.set(map.shardIndexOfSlot(slot));
                    }
                }
                if (shards.isEmpty()) {
                    // key = NULL, or key = ANY of an empty array: no row can match; any one shard answers that.
                    shards.set(hintShard >= 0 ? hintShard : anyShard);
                }
                if (hintShard >= 0 && (shards.cardinality() != 1 || !shards.get(hintShard))) {
                    throw new SQLException(
                            "Strata: the hint names shard " + map.shards().get(hintShard)
                                    + " but the statement's shard key routes to " + names(map, shards),
                            SqlStates.HINT_CONFLICT);
                }
                if (shards.cardinality() == 1) {
                    return whole(shards.nextSetBit(0), shardCount);
                }
                return splitKeys(fanOut(shards, params), map, params);
            }
            case ALL: {
                if (hintShard >= 0) {
                    return whole(hintShard, shardCount);
                }
                BitSet all = new BitSet(shardCount);
                all.set(0, shardCount);
                return fanOut(all, params);
            }
            case INSERT_ROWS:
                return insertCalls(map, params, hintShard, shardCount);
            case TIME:
                return timeCalls(params, hintShard, anyShard, shardCount);
            default:
                throw new IllegalStateException(target.toString());
        }
    }

    /**
     * Per shard, the one call of this statement sent whole to that shard: immutable, so built once
     * and shared by every execution (a routed point select allocates no call and no list). A
     * benign race may build one twice; either copy is equal.
     */
    private volatile java.util.concurrent.atomic.AtomicReferenceArray<List<Call>> wholeCalls;

    private List<Call> whole(int shard, int shardCount) {
        if (shard < 0 || shard >= shardCount) {
            return List.of(new Call(shard, sql, null));
        }
        java.util.concurrent.atomic.AtomicReferenceArray<List<Call>> cache = wholeCalls;
        if (cache == null || cache.length() != shardCount) {
            cache = new java.util.concurrent.atomic.AtomicReferenceArray<>(shardCount);
            wholeCalls = cache;
        }
        List<Call> calls = cache.get(shard);
        if (calls == null) {
            calls = List.of(new Call(shard, sql, null));
            cache.set(shard, calls);
        }
        return calls;
    }

    /**
     * The shard of a statement keyed by one BIGINT value bound with a whole-number setter (the
     * routed point select), hashed without boxing, lists or a BitSet; -1 when the statement is
     * any other shape (the general path then routes it, and reports what is wrong with it).
     */
    private int oneLongKeyShard(io.strata.router.ShardMap map, Param[] params) {
        if (keyType != KeyType.LONG || setKey != null || slotIdKeys || keys.size() != 1 || params == null) {
            return -1;
        }
        KeySource key = keys.get(0);
        int index = key.parameter();
        if (key.array() || index <= 0 || index > params.length) {
            return -1;
        }
        Param p = params[index - 1];
        if (p == null || !p.isWholeNumber()) {
            return -1;
        }
        return map.shardIndexOfLong(p.wholeNumber());
    }

    private List<Call> fanOut(BitSet shards, Param[] params) throws SQLException {
        if (multiShardRejection != null && !write) {
            throw new SQLException(
                    multiShardRejection + " (the shard key values reach several shards)",
                    SqlStates.SHAPE_NOT_SUPPORTED);
        }
        List<Call> calls = new ArrayList<>(shards.cardinality());
        String shardSql = shardText == null ? sql : shardText;
        int[] map = shardTextMap;
        if (merge != null && !write) {
            if (merge.parameterMap() != null || shardText == null) {
                shardSql = merge.shardSql();
                map = merge.parameterMap();
            }
            if (merge.limit() != null && !merge.grouping()) {
                long limit = number(merge.limit(), params, "LIMIT");
                long offset = merge.offset() == null ? 0 : number(merge.offset(), params, "OFFSET");
                if (limit >= 0) {
                    long sum = limit + Math.max(0, offset);
                    if (sum >= limit) { // no LIMIT on the shards when limit + offset overflows
                        shardSql = shardSql + " LIMIT " + sum;
                    }
                }
            }
        }
        for (int s = shards.nextSetBit(0); s >= 0; s = shards.nextSetBit(s + 1)) {
            calls.add(new Call(s, shardSql, map));
        }
        return calls;
    }

    /**
     * Gives each shard only its own key values (issue 17): in {@code key IN (?, ?, ...)} a
     * placeholder whose value lives on another shard is bound, on this shard, to one of this
     * shard's own key parameters instead (a duplicate in an IN list changes nothing), so the SQL text
     * stays the same and every value stays a bind parameter; in {@code key = ANY(?)} the array is cut
     * to this shard's elements. A placeholder that appears more than once in the shard's SQL (a
     * rewritten select list may repeat one), literal keys, and values of a type no own key shares
     * are left as they are: the shard then also sees keys it does not own, which match no row there.
     */
    private List<Call> splitKeys(List<Call> calls, io.strata.router.ShardMap map, Param[] params) throws SQLException {
        if (params == null || keys.isEmpty() || insert != null) {
            return calls;
        }
        int count = calls.isEmpty() ? 0 : positions(calls.get(0), parameterCount);
        int[] shardOf = new int[params.length + 1]; // per parameter index: the shard of its key value, or -1
        java.util.Arrays.fill(shardOf, -1);
        KeySource array = null;
        for (KeySource k : keys) {
            if (k.parameter() == 0) {
                continue;
            }
            if (k.array()) {
                array = k;
                continue;
            }
            if (k.parameter() > params.length || params[k.parameter() - 1] == null) {
                return calls; // reported as 07001 when bound
            }
            Object v = params[k.parameter() - 1].value();
            if (v != null && !matchesNoBigint(v)) {
                shardOf[k.parameter()] = shardOfValue(v, map);
            }
        }
        List<Call> out = new ArrayList<>(calls.size());
        for (Call call : calls) {
            int[] positions = call.parameterMap();
            int n = positions == null ? count : positions.length;
            int[] split = new int[n];
            boolean changed = false;
            for (int j = 0; j < n; j++) {
                int index = positions == null ? j + 1 : positions[j];
                split[j] = index;
                int owner = index < shardOf.length ? shardOf[index] : -1;
                if (owner < 0 || owner == call.shard() || occurrences(positions, index) != 1) {
                    continue;
                }
                int own = ownKey(
                        call.shard(), shardOf, params, params[index - 1].value().getClass());
                if (own > 0) {
                    split[j] = own;
                    changed = true;
                }
            }
            Call.Bind[] bound = null;
            if (array != null && occurrences(positions, array.parameter()) == 1) {
                Call.Bind cut = cutArray(array.parameter(), params, call.shard(), map);
                if (cut != null) {
                    bound = new Call.Bind[params.length];
                    bound[array.parameter() - 1] = cut;
                }
            }
            out.add(
                    changed || bound != null
                            ? new Call(call.shard(), call.sql(), changed ? split : positions, call.rows(), bound)
                            : call);
        }
        return out;
    }

    /**
     * A number bound for a bigint key that no bigint equals ({@code 4.5}, {@code 1e30}, NaN, bound as
     * BigDecimal, BigInteger, double or float): PostgreSQL compares it numerically and matches no
     * row, so it names no shard (it used to fail with 22P02 where PostgreSQL answers).
     */
    private boolean matchesNoBigint(Object v) {
        if (keyType != KeyType.LONG || slotIdKeys) {
            return false;
        }
        if (v instanceof java.math.BigDecimal bd) {
            try {
                bd.stripTrailingZeros().toBigIntegerExact().longValueExact();
                return false;
            } catch (ArithmeticException e) {
                return true;
            }
        }
        if (v instanceof java.math.BigInteger bi) {
            return bi.bitLength() > 63;
        }
        if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            return !(d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 0x1p63);
        }
        return false;
    }

    private int shardOfValue(Object v, io.strata.router.ShardMap map) throws SQLException {
        int slot = slotIdKeys ? SlotIdRouting.slotOfId(v, map) : map.slotOf(v, keyType);
        return map.shardIndexOfSlot(slot);
    }

    /** The number of placeholders of a call (its map's length, or the statement's own count). */
    private static int positions(Call call, int parameterCount) {
        return call.parameterMap() == null ? parameterCount : call.parameterMap().length;
    }

    /** How often a parameter index is bound in a call ({@code positions} null: the identity, once). */
    private static int occurrences(int[] positions, int index) {
        if (positions == null) {
            return 1;
        }
        int n = 0;
        for (int p : positions) {
            if (p == index) {
                n++;
            }
        }
        return n;
    }

    /** A key parameter whose value lives on {@code shard} and has the given class, or 0. */
    private static int ownKey(int shard, int[] shardOf, Param[] params, Class<?> type) {
        for (int i = 1; i < shardOf.length; i++) {
            if (shardOf[i] == shard && params[i - 1].value().getClass() == type) {
                return i;
            }
        }
        return 0;
    }

    /**
     * The array parameter of {@code key = ANY(?)} cut to the elements that live on {@code shard},
     * bound as the application bound it (a {@link java.sql.Array} of the same element type, or the
     * same kind of Java array); null when the value is of another kind (then left whole).
     */
    private Call.Bind cutArray(int index, Param[] params, int shard, io.strata.router.ShardMap map)
            throws SQLException {
        if (index > params.length || params[index - 1] == null) {
            return null;
        }
        Object v = params[index - 1].value();
        if (v instanceof java.sql.Array a) {
            Object elements = a.getArray();
            if (!(elements instanceof Object[] all)) {
                return null;
            }
            String baseType = a.getBaseTypeName();
            Object[] mine = keep(all, shard, map);
            return (ps, i) -> ps.setArray(i, ps.getConnection().createArrayOf(baseType, mine));
        }
        if (v instanceof Object[] all) {
            Object[] mine = keep(all, shard, map);
            return (ps, i) -> ps.setObject(i, mine);
        }
        if (v instanceof long[] all) {
            long[] mine = java.util.Arrays.stream(all)
                    .filter(l -> owns(l, shard, map))
                    .toArray();
            return (ps, i) -> ps.setObject(i, mine);
        }
        if (v instanceof int[] all) {
            int[] mine = java.util.Arrays.stream(all)
                    .filter(l -> owns(l, shard, map))
                    .toArray();
            return (ps, i) -> ps.setObject(i, mine);
        }
        return null;
    }

    private Object[] keep(Object[] all, int shard, io.strata.router.ShardMap map) throws SQLException {
        Object[] mine =
                (Object[]) java.lang.reflect.Array.newInstance(all.getClass().getComponentType(), all.length);
        int n = 0;
        for (Object o : all) {
            if (o != null && !matchesNoBigint(o) && shardOfValue(o, map) == shard) {
                mine[n++] = o;
            }
        }
        return java.util.Arrays.copyOf(mine, n);
    }

    private boolean owns(long value, int shard, io.strata.router.ShardMap map) {
        try {
            return shardOfValue(value, map) == shard;
        } catch (SQLException e) {
            return true; // left in: the shard answers for it as it would unsplit
        }
    }

    /** A LIMIT/OFFSET value; -1 for LIMIT ALL / NULL. */
    public static long number(KeySource source, Param[] params, String what) throws SQLException {
        Object v = source.values(params).get(0);
        if (v == null) {
            return -1;
        }
        try {
            // As PostgreSQL converts a LIMIT/OFFSET value to bigint: numeric rounds half away from
            // zero, float rounds half to even.
            if (v instanceof java.math.BigDecimal bd) {
                return bd.setScale(0, java.math.RoundingMode.HALF_UP).longValueExact();
            }
            if (v instanceof Double || v instanceof Float) {
                double d = Math.rint(((Number) v).doubleValue());
                if (Double.isNaN(d) || d >= 0x1p63 || d < -0x1p63) {
                    throw new NumberFormatException(String.valueOf(v));
                }
                return (long) d;
            }
            if (v instanceof Number n) {
                return n.longValue();
            }
            return Long.parseLong(v.toString().trim());
        } catch (NumberFormatException | ArithmeticException e) {
            throw new SQLException("Strata: " + what + " must be a number but was '" + v + "'", "22023");
        }
    }

    private List<Call> insertCalls(io.strata.router.ShardMap map, Param[] params, int hintShard, int shardCount)
            throws SQLException {
        int rows = insert.rowKeys().size();
        int[] shardOfRow = new int[rows];
        BitSet shards = new BitSet(shardCount);
        for (int r = 0; r < rows; r++) {
            Object v = insert.rowKeys().get(r).values(params).get(0);
            shardOfRow[r] = map.shardIndexOf(v, insert.keyType());
            shards.set(shardOfRow[r]);
        }
        if (hintShard >= 0 && (shards.cardinality() != 1 || !shards.get(hintShard))) {
            throw new SQLException(
                    "Strata: the hint names shard " + map.shards().get(hintShard)
                            + " but the inserted rows' shard keys route to " + names(map, shards),
                    SqlStates.HINT_CONFLICT);
        }
        if (shards.cardinality() == 1) {
            return List.of(new Call(shards.nextSetBit(0), sql, null));
        }
        List<Call> calls = new ArrayList<>();
        for (int s = shards.nextSetBit(0); s >= 0; s = shards.nextSetBit(s + 1)) {
            StringBuilder numbered = new StringBuilder(insert.prefix());
            boolean first = true;
            for (int r = 0; r < rows; r++) {
                if (shardOfRow[r] == s) {
                    numbered.append(first ? "" : ", ").append(insert.rowTexts().get(r));
                    first = false;
                }
            }
            numbered.append(insert.suffix());
            SqlText.Renumbered renumbered = SqlText.unnumber(numbered.toString());
            calls.add(new Call(s, renumbered.sql(), renumbered.originalIndexes(), rowsOf(shardOfRow, s)));
        }
        return calls;
    }

    /**
     * The calls of a time-range statement: an INSERT's rows split by their intervals' shards, else
     * the shards of the intervals the WHERE bounds cover (every shard of the cycle when unbounded).
     */
    private List<Call> timeCalls(Param[] params, int hintShard, int anyShard, int shardCount) throws SQLException {
        String text = shardText == null ? sql : shardText;
        if (time.rows != null) {
            int[] shardOfRow = time.rowShards(params);
            BitSet shards = new BitSet(shardCount);
            for (int s : shardOfRow) {
                shards.set(s);
            }
            if (hintShard >= 0 && (shards.cardinality() != 1 || !shards.get(hintShard))) {
                throw new SQLException(
                        "Strata: the hint names shard " + time.names(single(hintShard))
                                + " but the inserted rows' times route to " + time.names(shards),
                        SqlStates.HINT_CONFLICT);
            }
            if (shards.cardinality() == 1) {
                return List.of(new Call(shards.nextSetBit(0), text, shardTextMap));
            }
            List<Call> calls = new ArrayList<>();
            for (int s = shards.nextSetBit(0); s >= 0; s = shards.nextSetBit(s + 1)) {
                StringBuilder numbered = new StringBuilder(insert.prefix());
                boolean first = true;
                for (int r = 0; r < shardOfRow.length; r++) {
                    if (shardOfRow[r] == s) {
                        numbered.append(first ? "" : ", ")
                                .append(insert.rowTexts().get(r));
                        first = false;
                    }
                }
                numbered.append(insert.suffix());
                SqlText.Renumbered renumbered = SqlText.unnumber(numbered.toString());
                calls.add(new Call(s, renumbered.sql(), renumbered.originalIndexes(), rowsOf(shardOfRow, s)));
            }
            return calls;
        }
        BitSet shards = time.shards(time.intervals(params), shardCount);
        time.checkSet(shards, params);
        if (shards.isEmpty()) {
            // No interval can match (a comparison with NULL, an empty range): any one shard answers.
            shards.set(hintShard >= 0 ? hintShard : anyShard);
        }
        if (hintShard >= 0 && (shards.cardinality() != 1 || !shards.get(hintShard))) {
            throw new SQLException(
                    "Strata: the hint names shard " + time.names(single(hintShard))
                            + " but the statement's time bounds route to " + time.names(shards),
                    SqlStates.HINT_CONFLICT);
        }
        if (shards.cardinality() == 1) {
            return List.of(new Call(shards.nextSetBit(0), text, shardTextMap));
        }
        return fanOut(shards, params);
    }

    private static BitSet single(int shard) {
        BitSet b = new BitSet();
        b.set(shard);
        return b;
    }

    /** The row indexes (ascending) that go to shard {@code s}. */
    private static int[] rowsOf(int[] shardOfRow, int s) {
        return java.util.stream.IntStream.range(0, shardOfRow.length)
                .filter(r -> shardOfRow[r] == s)
                .toArray();
    }

    private static String names(io.strata.router.ShardMap map, BitSet shards) {
        List<String> names = new ArrayList<>();
        for (int s = shards.nextSetBit(0); s >= 0; s = shards.nextSetBit(s + 1)) {
            names.add(map.shards().get(s));
        }
        return String.join(", ", names);
    }
}
