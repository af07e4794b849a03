package io.strata.router.internal.merge;

import io.strata.router.MergedResultSet;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringReader;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.Date;
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
import java.util.List;

/**
 * A merged result held in memory (what {@link GroupedMerge} computes): a list of rows, each with
 * its values and their text forms (taken from the shards' own {@code getString} where a value
 * came from a shard unchanged), and the JDBC getters over them.
 */
abstract class MaterializedRows extends MergedCursor implements MergedResultSet {

    List<String> shardNames;
    Statement owner;
    ResultSetMetaData metaData;
    int visible;
    List<Object[]> rows = new ArrayList<>();
    List<String[]> texts = new ArrayList<>();
    private int index = -1;
    private boolean closed;
    private boolean lastWasNull;

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
            throw new SQLException("Strata: column index " + column + " is out of range (1.." + visible + ")", "22023");
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
        long l = n instanceof BigDecimal bd
                ? bd.setScale(0, RoundingMode.HALF_UP).longValue()
                : n.longValue();
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
    public void clearWarnings() {}

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
        throw new SQLException("Strata: not a wrapper for " + iface.getName(), "22023");
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this);
    }
}
