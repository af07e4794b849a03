package io.strata.router.internal.merge;

import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * A merged result whose current row is a row of one shard's result: every getter is answered by
 * that shard's own {@link ResultSet}, so values keep the driver's exact types and text forms.
 */
abstract class DelegatingResultSet extends MergedCursor {

    /** The shard result positioned on the current row. */
    abstract ResultSet current() throws SQLException;

    /** Checks a visible column index and maps it to the shard's index. */
    abstract int column(int column) throws SQLException;

    @Override
    public java.sql.Array getArray(java.lang.String a0) throws SQLException {
        return current().getArray(column(findColumn(a0)));
    }

    @Override
    public java.sql.Array getArray(int a0) throws SQLException {
        return current().getArray(column(a0));
    }

    @Override
    public java.io.InputStream getAsciiStream(java.lang.String a0) throws SQLException {
        return current().getAsciiStream(column(findColumn(a0)));
    }

    @Override
    public java.io.InputStream getAsciiStream(int a0) throws SQLException {
        return current().getAsciiStream(column(a0));
    }

    @Override
    public java.math.BigDecimal getBigDecimal(java.lang.String a0, int a1) throws SQLException {
        return current().getBigDecimal(column(findColumn(a0)), a1);
    }

    @Override
    public java.math.BigDecimal getBigDecimal(java.lang.String a0) throws SQLException {
        return current().getBigDecimal(column(findColumn(a0)));
    }

    @Override
    public java.math.BigDecimal getBigDecimal(int a0, int a1) throws SQLException {
        return current().getBigDecimal(column(a0), a1);
    }

    @Override
    public java.math.BigDecimal getBigDecimal(int a0) throws SQLException {
        return current().getBigDecimal(column(a0));
    }

    @Override
    public java.io.InputStream getBinaryStream(java.lang.String a0) throws SQLException {
        return current().getBinaryStream(column(findColumn(a0)));
    }

    @Override
    public java.io.InputStream getBinaryStream(int a0) throws SQLException {
        return current().getBinaryStream(column(a0));
    }

    @Override
    public java.sql.Blob getBlob(java.lang.String a0) throws SQLException {
        return current().getBlob(column(findColumn(a0)));
    }

    @Override
    public java.sql.Blob getBlob(int a0) throws SQLException {
        return current().getBlob(column(a0));
    }

    @Override
    public boolean getBoolean(java.lang.String a0) throws SQLException {
        return current().getBoolean(column(findColumn(a0)));
    }

    @Override
    public boolean getBoolean(int a0) throws SQLException {
        return current().getBoolean(column(a0));
    }

    @Override
    public byte getByte(java.lang.String a0) throws SQLException {
        return current().getByte(column(findColumn(a0)));
    }

    @Override
    public byte getByte(int a0) throws SQLException {
        return current().getByte(column(a0));
    }

    @Override
    public byte[] getBytes(java.lang.String a0) throws SQLException {
        return current().getBytes(column(findColumn(a0)));
    }

    @Override
    public byte[] getBytes(int a0) throws SQLException {
        return current().getBytes(column(a0));
    }

    @Override
    public java.io.Reader getCharacterStream(java.lang.String a0) throws SQLException {
        return current().getCharacterStream(column(findColumn(a0)));
    }

    @Override
    public java.io.Reader getCharacterStream(int a0) throws SQLException {
        return current().getCharacterStream(column(a0));
    }

    @Override
    public java.sql.Clob getClob(java.lang.String a0) throws SQLException {
        return current().getClob(column(findColumn(a0)));
    }

    @Override
    public java.sql.Clob getClob(int a0) throws SQLException {
        return current().getClob(column(a0));
    }

    @Override
    public java.sql.Date getDate(java.lang.String a0, java.util.Calendar a1) throws SQLException {
        return current().getDate(column(findColumn(a0)), a1);
    }

    @Override
    public java.sql.Date getDate(java.lang.String a0) throws SQLException {
        return current().getDate(column(findColumn(a0)));
    }

    @Override
    public java.sql.Date getDate(int a0, java.util.Calendar a1) throws SQLException {
        return current().getDate(column(a0), a1);
    }

    @Override
    public java.sql.Date getDate(int a0) throws SQLException {
        return current().getDate(column(a0));
    }

    @Override
    public double getDouble(java.lang.String a0) throws SQLException {
        return current().getDouble(column(findColumn(a0)));
    }

    @Override
    public double getDouble(int a0) throws SQLException {
        return current().getDouble(column(a0));
    }

    @Override
    public float getFloat(java.lang.String a0) throws SQLException {
        return current().getFloat(column(findColumn(a0)));
    }

    @Override
    public float getFloat(int a0) throws SQLException {
        return current().getFloat(column(a0));
    }

    @Override
    public int getInt(java.lang.String a0) throws SQLException {
        return current().getInt(column(findColumn(a0)));
    }

    @Override
    public int getInt(int a0) throws SQLException {
        return current().getInt(column(a0));
    }

    @Override
    public long getLong(java.lang.String a0) throws SQLException {
        return current().getLong(column(findColumn(a0)));
    }

    @Override
    public long getLong(int a0) throws SQLException {
        return current().getLong(column(a0));
    }

    @Override
    public java.io.Reader getNCharacterStream(java.lang.String a0) throws SQLException {
        return current().getNCharacterStream(column(findColumn(a0)));
    }

    @Override
    public java.io.Reader getNCharacterStream(int a0) throws SQLException {
        return current().getNCharacterStream(column(a0));
    }

    @Override
    public java.sql.NClob getNClob(java.lang.String a0) throws SQLException {
        return current().getNClob(column(findColumn(a0)));
    }

    @Override
    public java.sql.NClob getNClob(int a0) throws SQLException {
        return current().getNClob(column(a0));
    }

    @Override
    public java.lang.String getNString(java.lang.String a0) throws SQLException {
        return current().getNString(column(findColumn(a0)));
    }

    @Override
    public java.lang.String getNString(int a0) throws SQLException {
        return current().getNString(column(a0));
    }

    @Override
    public <T> T getObject(java.lang.String a0, java.lang.Class<T> a1) throws SQLException {
        return current().getObject(column(findColumn(a0)), a1);
    }

    @Override
    public java.lang.Object getObject(java.lang.String a0, java.util.Map<java.lang.String, java.lang.Class<?>> a1)
            throws SQLException {
        return current().getObject(column(findColumn(a0)), a1);
    }

    @Override
    public java.lang.Object getObject(java.lang.String a0) throws SQLException {
        return current().getObject(column(findColumn(a0)));
    }

    @Override
    public <T> T getObject(int a0, java.lang.Class<T> a1) throws SQLException {
        return current().getObject(column(a0), a1);
    }

    @Override
    public java.lang.Object getObject(int a0, java.util.Map<java.lang.String, java.lang.Class<?>> a1)
            throws SQLException {
        return current().getObject(column(a0), a1);
    }

    @Override
    public java.lang.Object getObject(int a0) throws SQLException {
        return current().getObject(column(a0));
    }

    @Override
    public java.sql.Ref getRef(java.lang.String a0) throws SQLException {
        return current().getRef(column(findColumn(a0)));
    }

    @Override
    public java.sql.Ref getRef(int a0) throws SQLException {
        return current().getRef(column(a0));
    }

    @Override
    public java.sql.RowId getRowId(java.lang.String a0) throws SQLException {
        return current().getRowId(column(findColumn(a0)));
    }

    @Override
    public java.sql.RowId getRowId(int a0) throws SQLException {
        return current().getRowId(column(a0));
    }

    @Override
    public java.sql.SQLXML getSQLXML(java.lang.String a0) throws SQLException {
        return current().getSQLXML(column(findColumn(a0)));
    }

    @Override
    public java.sql.SQLXML getSQLXML(int a0) throws SQLException {
        return current().getSQLXML(column(a0));
    }

    @Override
    public short getShort(java.lang.String a0) throws SQLException {
        return current().getShort(column(findColumn(a0)));
    }

    @Override
    public short getShort(int a0) throws SQLException {
        return current().getShort(column(a0));
    }

    @Override
    public java.lang.String getString(java.lang.String a0) throws SQLException {
        return current().getString(column(findColumn(a0)));
    }

    @Override
    public java.lang.String getString(int a0) throws SQLException {
        return current().getString(column(a0));
    }

    @Override
    public java.sql.Time getTime(java.lang.String a0, java.util.Calendar a1) throws SQLException {
        return current().getTime(column(findColumn(a0)), a1);
    }

    @Override
    public java.sql.Time getTime(java.lang.String a0) throws SQLException {
        return current().getTime(column(findColumn(a0)));
    }

    @Override
    public java.sql.Time getTime(int a0, java.util.Calendar a1) throws SQLException {
        return current().getTime(column(a0), a1);
    }

    @Override
    public java.sql.Time getTime(int a0) throws SQLException {
        return current().getTime(column(a0));
    }

    @Override
    public java.sql.Timestamp getTimestamp(java.lang.String a0, java.util.Calendar a1) throws SQLException {
        return current().getTimestamp(column(findColumn(a0)), a1);
    }

    @Override
    public java.sql.Timestamp getTimestamp(java.lang.String a0) throws SQLException {
        return current().getTimestamp(column(findColumn(a0)));
    }

    @Override
    public java.sql.Timestamp getTimestamp(int a0, java.util.Calendar a1) throws SQLException {
        return current().getTimestamp(column(a0), a1);
    }

    @Override
    public java.sql.Timestamp getTimestamp(int a0) throws SQLException {
        return current().getTimestamp(column(a0));
    }

    @Override
    public java.net.URL getURL(java.lang.String a0) throws SQLException {
        return current().getURL(column(findColumn(a0)));
    }

    @Override
    public java.net.URL getURL(int a0) throws SQLException {
        return current().getURL(column(a0));
    }

    @Override
    public java.io.InputStream getUnicodeStream(java.lang.String a0) throws SQLException {
        return current().getUnicodeStream(column(findColumn(a0)));
    }

    @Override
    public java.io.InputStream getUnicodeStream(int a0) throws SQLException {
        return current().getUnicodeStream(column(a0));
    }

    @Override
    public boolean wasNull() throws SQLException {
        return current().wasNull();
    }
}
