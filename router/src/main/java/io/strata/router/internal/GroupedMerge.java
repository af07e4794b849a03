package io.strata.router.internal;

import io.strata.router.MergedResultSet;
import io.strata.router.internal.MergeSpec.Role;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringReader;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.Date;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.sql.Time;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Calendar;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The merge of grouped shard results (aggregates, GROUP BY, DISTINCT): every shard's partial rows
 * are combined in memory by group key (COUNT and SUM added, MIN/MAX compared, AVG = combined SUM /
 * combined COUNT with PostgreSQL's numeric division scale), then sorted by the ORDER BY and cut by
 * OFFSET/LIMIT. Memory grows with the number of groups, not rows.
 */
final class GroupedMerge extends UnsupportedResultSet implements MergedResultSet {

    private final List<String> shardNames;
    private final Statement owner;
    private final ResultSetMetaData metaData;
    private final int visible;
    private final List<Object[]> rows;
    private final List<String[]> texts;
    private int index = -1;
    private boolean closed;
    private boolean lastWasNull;

    GroupedMerge(List<ResultSet> sources, List<String> shardNames, Statement owner, MergeSpec spec, long offset,
                 long limit) throws SQLException {
        this.shardNames = shardNames;
        this.owner = owner;
        try {
            ResultSetMetaData md = sources.get(0).getMetaData();
            int width = md.getColumnCount();
            this.visible = width - spec.hiddenColumns();
            Role[] roles = new Role[width + 1];
            int[] countColumn = new int[width + 1];
            java.util.Arrays.fill(roles, Role.KEY);
            if (spec.columns() != null) {
                for (MergeSpec.Column c : spec.columns()) {
                    int at = abs(c.index());
                    roles[at] = c.role();
                    if (c.role() == Role.AVG) {
                        countColumn[at] = abs(c.countColumn());
                        roles[countColumn[at]] = Role.AVG_COUNT;
                    }
                }
            }
            boolean[] average = new boolean[visible + 1];
            for (int c = 1; c <= visible; c++) {
                average[c] = roles[c] == Role.AVG;
            }
            this.metaData = new VisibleMetaData(md, visible, average);
            List<Integer> keyColumns = new ArrayList<>();
            for (int c = 1; c <= width; c++) {
                if (roles[c] == Role.KEY) {
                    keyColumns.add(c);
                }
            }
            Map<GroupKey, Object[][]> groups = new LinkedHashMap<>();
            for (ResultSet rs : sources) {
                while (rs.next()) {
                    Object[] key = new Object[keyColumns.size()];
                    for (int k = 0; k < key.length; k++) {
                        key[k] = rs.getObject(keyColumns.get(k));
                    }
                    GroupKey gk = new GroupKey(key);
                    Object[][] acc = groups.get(gk);
                    if (acc == null) {
                        acc = new Object[][] {new Object[width + 1], new String[width + 1]};
                        for (int c = 1; c <= width; c++) {
                            if (roles[c] == Role.KEY) {
                                acc[0][c] = rs.getObject(c);
                                acc[1][c] = rs.getString(c);
                            } else if (roles[c] == Role.COUNT || roles[c] == Role.AVG_COUNT) {
                                acc[0][c] = 0L;
                            }
                        }
                        groups.put(gk, acc);
                    }
                    for (int c = 1; c <= width; c++) {
                        accumulate(roles[c], rs, c, acc);
                    }
                }
            }
            // Aggregates without GROUP BY always produce one row, even over no rows at all.
            rows = new ArrayList<>(groups.size());
            texts = new ArrayList<>(groups.size());
            for (Object[][] acc : groups.values()) {
                Object[] values = acc[0];
                String[] strings = (String[]) acc[1];
                for (int c = 1; c <= width; c++) {
                    if (roles[c] == Role.AVG) {
                        values[c] = average(values[c], (Long) values[countColumn[c]]);
                    }
                    if (roles[c] != Role.KEY && roles[c] != Role.MIN && roles[c] != Role.MAX) {
                        strings[c] = text(values[c]);
                    }
                }
                rows.add(values);
                texts.add(strings);
            }
            sort(spec);
            long from = Math.max(0, offset);
            long to = limit < 0 ? Long.MAX_VALUE : from + limit;
            if (from > 0 || to < rows.size()) {
                int a = (int) Math.min(from, rows.size());
                int b = (int) Math.min(to, rows.size());
                List<Object[]> r = new ArrayList<>(rows.subList(a, b));
                List<String[]> t = new ArrayList<>(texts.subList(a, b));
                rows.clear();
                rows.addAll(r);
                texts.clear();
                texts.addAll(t);
            }
        } finally {
            for (ResultSet rs : sources) {
                try {
                    rs.close();
                } catch (SQLException ignored) {
                    // the rows are already read
                }
            }
        }
    }

    private int abs(int column) {
        return column > 0 ? column : visible - column;
    }

    private static void accumulate(Role role, ResultSet rs, int c, Object[][] acc) throws SQLException {
        switch (role) {
            case COUNT, AVG_COUNT -> {
                long n = rs.getLong(c);
                acc[0][c] = Math.addExact((Long) acc[0][c], n);
            }
            case SUM, AVG -> {
                Object v = rs.getObject(c);
                if (v != null) {
                    acc[0][c] = add(acc[0][c], (Number) v);
                }
            }
            case MIN, MAX -> {
                Object v = rs.getObject(c);
                if (v != null) {
                    Object cur = acc[0][c];
                    int cmp = cur == null ? 0 : PgOrder.INSTANCE.compare(v, cur);
                    if (cur == null || (role == Role.MIN ? cmp < 0 : cmp > 0)) {
                        acc[0][c] = v;
                        acc[1][c] = rs.getString(c);
                    }
                }
            }
            default -> {
            }
        }
    }

    private static Number add(Object current, Number v) throws SQLException {
        if (current == null) {
            return v;
        }
        Number cur = (Number) current;
        if (cur instanceof Double || v instanceof Double || cur instanceof Float || v instanceof Float) {
            if (cur instanceof Float && v instanceof Float) {
                return cur.floatValue() + v.floatValue();
            }
            return cur.doubleValue() + v.doubleValue();
        }
        if (PgOrder.isIntegral(cur) && PgOrder.isIntegral(v)) {
            try {
                return Math.addExact(cur.longValue(), v.longValue());
            } catch (ArithmeticException e) {
                throw new SQLException("bigint out of range", "22003");
            }
        }
        return PgOrder.toBigDecimal(cur).add(PgOrder.toBigDecimal(v));
    }

    /** AVG from the combined SUM and COUNT, as PostgreSQL computes it. */
    static Object average(Object sum, Long count) {
        if (sum == null || count == null || count == 0) {
            return null;
        }
        if (sum instanceof Double || sum instanceof Float) {
            return ((Number) sum).doubleValue() / count;
        }
        return divide(PgOrder.toBigDecimal((Number) sum), BigDecimal.valueOf(count));
    }

    /**
     * PostgreSQL's numeric division: the result scale is chosen by {@code select_div_scale} in
     * numeric.c, which gives at least 16 significant digits and no less than either input's
     * display scale, and the quotient is rounded half away from zero.
     */
    static BigDecimal divide(BigDecimal x, BigDecimal y) {
        int[] wx = weightAndFirstDigit(x);
        int[] wy = weightAndFirstDigit(y);
        int qweight = wx[0] - wy[0];
        if (wx[1] <= wy[1]) {
            qweight--;
        }
        int rscale = 16 - qweight * 4;
        rscale = Math.max(rscale, Math.max(x.scale(), 0));
        rscale = Math.max(rscale, Math.max(y.scale(), 0));
        rscale = Math.max(rscale, 0);
        rscale = Math.min(rscale, 1000);
        return x.divide(y, rscale, RoundingMode.HALF_UP);
    }

    /** The base-10000 weight and first base-10000 digit of |v|, as PostgreSQL's NumericVar holds them. */
    static int[] weightAndFirstDigit(BigDecimal v) {
        BigDecimal a = v.abs();
        if (a.signum() == 0) {
            return new int[] {0, 0};
        }
        int exp10 = a.precision() - a.scale() - 1; // floor(log10(a))
        int weight = Math.floorDiv(exp10, 4);
        BigDecimal first = a.movePointLeft(weight * 4).setScale(0, RoundingMode.DOWN);
        return new int[] {weight, first.intValue()};
    }

    private void sort(MergeSpec spec) {
        if (spec.order().isEmpty()) {
            return;
        }
        Comparator<Integer> cmp = (ia, ib) -> {
            Object[] a = rows.get(ia);
            Object[] b = rows.get(ib);
            for (MergeSpec.OrderKey k : spec.order()) {
                int c = abs(k.column());
                Object x = a[c];
                Object y = b[c];
                if (x == null || y == null) {
                    if (x == y) {
                        continue;
                    }
                    return (x == null) == k.nullsFirst() ? -1 : 1;
                }
                int r = PgOrder.INSTANCE.compare(x, y);
                if (r != 0) {
                    return k.ascending() ? r : -r;
                }
            }
            return Integer.compare(ia, ib);
        };
        List<Integer> order = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            order.add(i);
        }
        order.sort(cmp);
        List<Object[]> r = new ArrayList<>(rows.size());
        List<String[]> t = new ArrayList<>(rows.size());
        for (int i : order) {
            r.add(rows.get(i));
            t.add(texts.get(i));
        }
        rows.clear();
        rows.addAll(r);
        texts.clear();
        texts.addAll(t);
    }

    static String text(Object v) {
        if (v == null) {
            return null;
        }
        if (v instanceof BigDecimal bd) {
            return bd.toPlainString();
        }
        if (v instanceof Double || v instanceof Float) {
            return doubleText(((Number) v).doubleValue());
        }
        return v.toString();
    }

    /** float8 output as PostgreSQL (12+) prints it: shortest exact digits, exponent outside 1e-4..1e15. */
    static String doubleText(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        if (d == 0) {
            return (1 / d < 0) ? "-0" : "0";
        }
        BigDecimal bd = new BigDecimal(Double.toString(d)).stripTrailingZeros();
        int exp = bd.precision() - bd.scale() - 1;
        if (exp < -4 || exp >= 15) {
            BigDecimal mantissa = bd.movePointLeft(exp);
            String m = mantissa.toPlainString();
            return m + "e" + (exp < 0 ? "-" : "+") + (Math.abs(exp) < 10 ? "0" : "") + Math.abs(exp);
        }
        return bd.toPlainString();
    }

    /** Group key with PostgreSQL equality semantics (1 = 1.0; NULLs group together). */
    private static final class GroupKey {
        final Object[] values;
        final int hash;

        GroupKey(Object[] values) {
            this.values = values;
            int h = 1;
            for (Object v : values) {
                h = h * 31 + PgOrder.hash(v);
            }
            this.hash = h;
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof GroupKey g) || g.values.length != values.length) {
                return false;
            }
            for (int i = 0; i < values.length; i++) {
                if (!PgOrder.same(values[i], g.values[i])) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    // ---------------------------------------------------------------- cursor and getters

    @Override
    public boolean next() throws SQLException {
        checkOpen();
        if (index < rows.size()) {
            index++;
        }
        return index < rows.size();
    }

    private Object value(int column) throws SQLException {
        checkOpen();
        if (index < 0 || index >= rows.size()) {
            throw new SQLException("Strata: the result set is not positioned on a row; call next()", "24000");
        }
        if (column < 1 || column > visible) {
            throw new SQLException("Strata: column index " + column + " is out of range (1.." + visible + ")",
                    "22023");
        }
        Object v = rows.get(index)[column];
        lastWasNull = v == null;
        return v;
    }

    private Number number(int column) throws SQLException {
        Object v = value(column);
        if (v == null) {
            return null;
        }
        if (v instanceof Number n) {
            return n;
        }
        if (v instanceof Boolean b) {
            return b ? 1 : 0;
        }
        try {
            return new BigDecimal(v.toString().trim());
        } catch (NumberFormatException e) {
            throw new SQLException("Strata: bad value for a number: " + v, "22003");
        }
    }

    @Override
    public boolean wasNull() {
        return lastWasNull;
    }

    @Override
    public String getString(int column) throws SQLException {
        value(column);
        return texts.get(index)[column];
    }

    @Override
    public String getString(String label) throws SQLException {
        return getString(findColumn(label));
    }

    @Override
    public Object getObject(int column) throws SQLException {
        return value(column);
    }

    @Override
    public Object getObject(String label) throws SQLException {
        return getObject(findColumn(label));
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T getObject(int column, Class<T> type) throws SQLException {
        Object v = value(column);
        if (v == null) {
            return null;
        }
        if (type.isInstance(v)) {
            return type.cast(v);
        }
        if (type == String.class) {
            return (T) getString(column);
        }
        if (type == Long.class) {
            return (T) Long.valueOf(getLong(column));
        }
        if (type == Integer.class) {
            return (T) Integer.valueOf(getInt(column));
        }
        if (type == Double.class) {
            return (T) Double.valueOf(getDouble(column));
        }
        if (type == BigDecimal.class) {
            return (T) getBigDecimal(column);
        }
        if (type == LocalDate.class && v instanceof Date d) {
            return (T) d.toLocalDate();
        }
        if (type == LocalDateTime.class && v instanceof Timestamp t) {
            return (T) t.toLocalDateTime();
        }
        if (type == OffsetDateTime.class && v instanceof Timestamp t) {
            return (T) t.toInstant().atOffset(java.time.ZoneOffset.UTC);
        }
        throw new SQLException("Strata: cannot convert " + v.getClass().getName() + " to " + type.getName(), "22023");
    }

    @Override
    public <T> T getObject(String label, Class<T> type) throws SQLException {
        return getObject(findColumn(label), type);
    }

    @Override
    public boolean getBoolean(int column) throws SQLException {
        Object v = value(column);
        if (v == null) {
            return false;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        if (v instanceof Number n) {
            return n.doubleValue() != 0;
        }
        String s = v.toString().trim().toLowerCase(java.util.Locale.ROOT);
        return s.equals("t") || s.equals("true") || s.equals("1") || s.equals("yes") || s.equals("on");
    }

    @Override
    public boolean getBoolean(String label) throws SQLException {
        return getBoolean(findColumn(label));
    }

    @Override
    public byte getByte(int column) throws SQLException {
        Number n = number(column);
        return n == null ? 0 : n.byteValue();
    }

    @Override
    public byte getByte(String label) throws SQLException {
        return getByte(findColumn(label));
    }

    @Override
    public short getShort(int column) throws SQLException {
        Number n = number(column);
        return n == null ? 0 : n.shortValue();
    }

    @Override
    public short getShort(String label) throws SQLException {
        return getShort(findColumn(label));
    }

    @Override
    public int getInt(int column) throws SQLException {
        Number n = number(column);
        if (n == null) {
            return 0;
        }
        long l = n instanceof BigDecimal bd ? bd.setScale(0, RoundingMode.HALF_UP).longValue() : n.longValue();
        if (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
            throw new SQLException("Strata: bad value for type int: " + n, "22003");
        }
        return (int) l;
    }

    @Override
    public int getInt(String label) throws SQLException {
        return getInt(findColumn(label));
    }

    @Override
    public long getLong(int column) throws SQLException {
        Number n = number(column);
        if (n == null) {
            return 0;
        }
        return n instanceof BigDecimal bd ? bd.setScale(0, RoundingMode.HALF_UP).longValueExact() : n.longValue();
    }

    @Override
    public long getLong(String label) throws SQLException {
        return getLong(findColumn(label));
    }

    @Override
    public float getFloat(int column) throws SQLException {
        Number n = number(column);
        return n == null ? 0 : n.floatValue();
    }

    @Override
    public float getFloat(String label) throws SQLException {
        return getFloat(findColumn(label));
    }

    @Override
    public double getDouble(int column) throws SQLException {
        Number n = number(column);
        return n == null ? 0 : n.doubleValue();
    }

    @Override
    public double getDouble(String label) throws SQLException {
        return getDouble(findColumn(label));
    }

    @Override
    public BigDecimal getBigDecimal(int column) throws SQLException {
        Number n = number(column);
        return n == null ? null : PgOrder.toBigDecimal(n);
    }

    @Override
    public BigDecimal getBigDecimal(String label) throws SQLException {
        return getBigDecimal(findColumn(label));
    }

    @Override
    @Deprecated
    public BigDecimal getBigDecimal(int column, int scale) throws SQLException {
        BigDecimal bd = getBigDecimal(column);
        return bd == null ? null : bd.setScale(scale, RoundingMode.HALF_UP);
    }

    @Override
    @Deprecated
    public BigDecimal getBigDecimal(String label, int scale) throws SQLException {
        return getBigDecimal(findColumn(label), scale);
    }

    @Override
    public byte[] getBytes(int column) throws SQLException {
        Object v = value(column);
        if (v == null) {
            return null;
        }
        if (v instanceof byte[] b) {
            return b.clone();
        }
        return getString(column).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    @Override
    public byte[] getBytes(String label) throws SQLException {
        return getBytes(findColumn(label));
    }

    @Override
    public Date getDate(int column) throws SQLException {
        Object v = value(column);
        if (v == null) {
            return null;
        }
        if (v instanceof Date d) {
            return d;
        }
        if (v instanceof Timestamp t) {
            return new Date(t.getTime());
        }
        return Date.valueOf(getString(column).substring(0, 10));
    }

    @Override
    public Date getDate(String label) throws SQLException {
        return getDate(findColumn(label));
    }

    @Override
    public Date getDate(int column, Calendar cal) throws SQLException {
        return getDate(column);
    }

    @Override
    public Date getDate(String label, Calendar cal) throws SQLException {
        return getDate(findColumn(label));
    }

    @Override
    public Time getTime(int column) throws SQLException {
        Object v = value(column);
        if (v == null) {
            return null;
        }
        if (v instanceof Time t) {
            return t;
        }
        if (v instanceof java.util.Date d) {
            return new Time(d.getTime());
        }
        return Time.valueOf(getString(column));
    }

    @Override
    public Time getTime(String label) throws SQLException {
        return getTime(findColumn(label));
    }

    @Override
    public Time getTime(int column, Calendar cal) throws SQLException {
        return getTime(column);
    }

    @Override
    public Time getTime(String label, Calendar cal) throws SQLException {
        return getTime(findColumn(label));
    }

    @Override
    public Timestamp getTimestamp(int column) throws SQLException {
        Object v = value(column);
        if (v == null) {
            return null;
        }
        if (v instanceof Timestamp t) {
            return t;
        }
        if (v instanceof java.util.Date d) {
            return new Timestamp(d.getTime());
        }
        if (v instanceof OffsetDateTime o) {
            return Timestamp.from(o.toInstant());
        }
        return Timestamp.valueOf(getString(column));
    }

    @Override
    public Timestamp getTimestamp(String label) throws SQLException {
        return getTimestamp(findColumn(label));
    }

    @Override
    public Timestamp getTimestamp(int column, Calendar cal) throws SQLException {
        return getTimestamp(column);
    }

    @Override
    public Timestamp getTimestamp(String label, Calendar cal) throws SQLException {
        return getTimestamp(findColumn(label));
    }

    @Override
    public InputStream getBinaryStream(int column) throws SQLException {
        byte[] b = getBytes(column);
        return b == null ? null : new ByteArrayInputStream(b);
    }

    @Override
    public InputStream getBinaryStream(String label) throws SQLException {
        return getBinaryStream(findColumn(label));
    }

    @Override
    public Reader getCharacterStream(int column) throws SQLException {
        String s = getString(column);
        return s == null ? null : new StringReader(s);
    }

    @Override
    public Reader getCharacterStream(String label) throws SQLException {
        return getCharacterStream(findColumn(label));
    }

    @Override
    public int findColumn(String label) throws SQLException {
        for (int c = 1; c <= visible; c++) {
            if (metaData.getColumnLabel(c).equalsIgnoreCase(label)) {
                return c;
            }
        }
        throw new SQLException("Strata: the column name " + label + " was not found in this ResultSet.", "42703");
    }

    @Override
    public ResultSetMetaData getMetaData() {
        return metaData;
    }

    @Override
    public List<String> shards() {
        return shardNames;
    }

    @Override
    public boolean isStreaming() {
        return false;
    }

    @Override
    public void close() {
        closed = true;
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    private void checkOpen() throws SQLException {
        if (closed) {
            throw new SQLException("Strata: the result set is closed", "24000");
        }
    }

    @Override
    public Statement getStatement() {
        return owner;
    }

    @Override
    public SQLWarning getWarnings() {
        return null;
    }

    @Override
    public void clearWarnings() {
    }

    @Override
    public int getRow() {
        return index >= 0 && index < rows.size() ? index + 1 : 0;
    }

    @Override
    public boolean isBeforeFirst() {
        return index < 0 && !rows.isEmpty();
    }

    @Override
    public boolean isAfterLast() {
        return index >= rows.size() && !rows.isEmpty();
    }

    @Override
    public boolean isFirst() {
        return index == 0 && !rows.isEmpty();
    }

    @Override
    public boolean isLast() {
        return index == rows.size() - 1 && !rows.isEmpty();
    }

    @Override
    public int getType() {
        return TYPE_FORWARD_ONLY;
    }

    @Override
    public int getConcurrency() {
        return CONCUR_READ_ONLY;
    }

    @Override
    public int getHoldability() {
        return HOLD_CURSORS_OVER_COMMIT;
    }

    @Override
    public int getFetchDirection() {
        return FETCH_FORWARD;
    }

    @Override
    public void setFetchDirection(int direction) throws SQLException {
        if (direction != FETCH_FORWARD) {
            throw unsupported("setFetchDirection");
        }
    }

    @Override
    public int getFetchSize() {
        return 0;
    }

    @Override
    public void setFetchSize(int rows) {
        // all rows are in memory already
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        throw new SQLException("Strata: not a wrapper for " + iface.getName());
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this);
    }
}
