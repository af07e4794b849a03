package io.strata.router.internal.merge;

import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;

/**
 * A shard result's metadata with the router's hidden helper columns cut off, and the columns of an
 * AVG (which shards computed as SUM) reported with the type AVG returns.
 */
public final class VisibleMetaData implements ResultSetMetaData {

    private final ResultSetMetaData base;
    private final int visible;
    private final boolean[] averageAsDouble;
    private final boolean[] average;

    public VisibleMetaData(ResultSetMetaData base, int visible, boolean[] average) throws SQLException {
        this.base = base;
        this.visible = visible;
        this.average = average;
        this.averageAsDouble = new boolean[visible + 1];
        if (average != null) {
            for (int c = 1; c <= visible; c++) {
                if (average[c]) {
                    int t = base.getColumnType(c);
                    averageAsDouble[c] = t == Types.DOUBLE || t == Types.REAL || t == Types.FLOAT;
                }
            }
        }
    }

    private int check(int column) throws SQLException {
        if (column < 1 || column > visible) {
            throw new SQLException("Strata: column index " + column + " is out of range (1.." + visible + ")", "22023");
        }
        return column;
    }

    private boolean isAverage(int column) {
        return average != null && average[column];
    }

    @Override
    public int getColumnCount() {
        return visible;
    }

    @Override
    public boolean isAutoIncrement(int column) throws SQLException {
        return base.isAutoIncrement(check(column));
    }

    @Override
    public boolean isCaseSensitive(int column) throws SQLException {
        return base.isCaseSensitive(check(column));
    }

    @Override
    public boolean isSearchable(int column) throws SQLException {
        return base.isSearchable(check(column));
    }

    @Override
    public boolean isCurrency(int column) throws SQLException {
        return base.isCurrency(check(column));
    }

    @Override
    public int isNullable(int column) throws SQLException {
        return base.isNullable(check(column));
    }

    @Override
    public boolean isSigned(int column) throws SQLException {
        return base.isSigned(check(column));
    }

    @Override
    public int getColumnDisplaySize(int column) throws SQLException {
        return base.getColumnDisplaySize(check(column));
    }

    @Override
    public String getColumnLabel(int column) throws SQLException {
        return base.getColumnLabel(check(column));
    }

    @Override
    public String getColumnName(int column) throws SQLException {
        return base.getColumnName(check(column));
    }

    @Override
    public String getSchemaName(int column) throws SQLException {
        return base.getSchemaName(check(column));
    }

    @Override
    public int getPrecision(int column) throws SQLException {
        return isAverage(check(column)) && !averageAsDouble[column] ? 0 : base.getPrecision(column);
    }

    @Override
    public int getScale(int column) throws SQLException {
        return isAverage(check(column)) && !averageAsDouble[column] ? 0 : base.getScale(column);
    }

    @Override
    public String getTableName(int column) throws SQLException {
        return base.getTableName(check(column));
    }

    @Override
    public String getCatalogName(int column) throws SQLException {
        return base.getCatalogName(check(column));
    }

    @Override
    public int getColumnType(int column) throws SQLException {
        if (isAverage(check(column))) {
            return averageAsDouble[column] ? Types.DOUBLE : Types.NUMERIC;
        }
        return base.getColumnType(column);
    }

    @Override
    public String getColumnTypeName(int column) throws SQLException {
        if (isAverage(check(column))) {
            return averageAsDouble[column] ? "float8" : "numeric";
        }
        return base.getColumnTypeName(column);
    }

    @Override
    public boolean isReadOnly(int column) throws SQLException {
        return base.isReadOnly(check(column));
    }

    @Override
    public boolean isWritable(int column) throws SQLException {
        return base.isWritable(check(column));
    }

    @Override
    public boolean isDefinitelyWritable(int column) throws SQLException {
        return base.isDefinitelyWritable(check(column));
    }

    @Override
    public String getColumnClassName(int column) throws SQLException {
        if (isAverage(check(column))) {
            return averageAsDouble[column] ? Double.class.getName() : java.math.BigDecimal.class.getName();
        }
        return base.getColumnClassName(column);
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        return base.unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        return iface.isInstance(this) || base.isWrapperFor(iface);
    }
}
