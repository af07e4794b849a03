package io.strata.replication.internal.jdbc;

import java.io.InputStream;
import java.io.Reader;
import java.math.BigDecimal;
import java.net.URL;
import java.sql.Array;
import java.sql.Blob;
import java.sql.Clob;
import java.sql.Date;
import java.sql.NClob;
import java.sql.PreparedStatement;
import java.sql.Ref;
import java.sql.RowId;
import java.sql.SQLException;
import java.sql.SQLType;
import java.sql.SQLXML;
import java.sql.Time;
import java.sql.Timestamp;
import java.util.Calendar;
import org.jspecify.annotations.Nullable;

/**
 * A {@link PreparedStatement} whose every parameter setter is recorded, not sent: each call is
 * written into the {@link RecordedParameter} slot of its index, to be replayed on the physical
 * statement(s) that run the execution ({@link RecordedParameter#bind}). An implementing class
 * supplies the slots ({@link #parameter}: the open-statement and index checks, and where the slots
 * live) and everything that is not a setter.
 *
 * <p>An interface with default methods rather than a base class, so that it can be mixed into a
 * prepared statement that already extends its module's plain statement. A class that implements
 * it must not inherit setters from a superclass (a class's method wins over a default one).
 */
public interface RecordingPreparedStatement extends PreparedStatement {

    /**
     * The slot of parameter {@code parameterIndex} (1-based), created on first use and reused by
     * later setter calls on the same index.
     *
     * @throws SQLException if the statement is closed or the index is out of range
     */
    RecordedParameter parameter(int parameterIndex) throws SQLException;

    @Override
    default void setNull(int parameterIndex, int sqlType) throws SQLException {
        parameter(parameterIndex).record(RecordedParameter.NULL, sqlType, null, null);
    }

    @Override
    default void setNull(int parameterIndex, int sqlType, @Nullable String typeName) throws SQLException {
        parameter(parameterIndex).record(RecordedParameter.NULL_TYPED, sqlType, null, typeName);
    }

    @Override
    default void setBoolean(int parameterIndex, boolean x) throws SQLException {
        parameter(parameterIndex).record(RecordedParameter.BOOLEAN, x ? 1 : 0, null, null);
    }

    @Override
    default void setByte(int parameterIndex, byte x) throws SQLException {
        parameter(parameterIndex).record(RecordedParameter.BYTE, x, null, null);
    }

    @Override
    default void setShort(int parameterIndex, short x) throws SQLException {
        parameter(parameterIndex).record(RecordedParameter.SHORT, x, null, null);
    }

    @Override
    default void setInt(int parameterIndex, int x) throws SQLException {
        parameter(parameterIndex).record(RecordedParameter.INT, x, null, null);
    }

    @Override
    default void setLong(int parameterIndex, long x) throws SQLException {
        parameter(parameterIndex).record(RecordedParameter.LONG, x, null, null);
    }

    @Override
    default void setFloat(int parameterIndex, float x) throws SQLException {
        parameter(parameterIndex).record(RecordedParameter.FLOAT, Float.floatToRawIntBits(x), null, null);
    }

    @Override
    default void setDouble(int parameterIndex, double x) throws SQLException {
        parameter(parameterIndex).record(RecordedParameter.DOUBLE, Double.doubleToRawLongBits(x), null, null);
    }

    @Override
    default void setBigDecimal(int parameterIndex, @Nullable BigDecimal x) throws SQLException {
        parameter(parameterIndex).record(RecordedParameter.BIG_DECIMAL, 0, x, null);
    }

    @Override
    default void setString(int parameterIndex, @Nullable String x) throws SQLException {
        parameter(parameterIndex).record(RecordedParameter.STRING, 0, x, null);
    }

    @Override
    default void setBytes(int parameterIndex, byte[] x) throws SQLException {
        parameter(parameterIndex).record(RecordedParameter.BYTES, 0, x, null);
    }

    @Override
    default void setDate(int parameterIndex, @Nullable Date x) throws SQLException {
        parameter(parameterIndex).record(RecordedParameter.DATE, 0, x, null);
    }

    @Override
    default void setTime(int parameterIndex, @Nullable Time x) throws SQLException {
        parameter(parameterIndex).record(RecordedParameter.TIME, 0, x, null);
    }

    @Override
    default void setTimestamp(int parameterIndex, @Nullable Timestamp x) throws SQLException {
        parameter(parameterIndex).record(RecordedParameter.TIMESTAMP, 0, x, null);
    }

    @Override
    default void setAsciiStream(int parameterIndex, @Nullable InputStream x, int length) throws SQLException {
        parameter(parameterIndex).record(RecordedParameter.ASCII_STREAM_INT, length, x, null);
    }

    @Override
    @Deprecated
    default void setUnicodeStream(int parameterIndex, @Nullable InputStream x, int length) throws SQLException {
        parameter(parameterIndex).record(RecordedParameter.UNICODE_STREAM, length, x, null);
    }

    @Override
    default void setBinaryStream(int parameterIndex, @Nullable InputStream x, int length) throws SQLException {
        parameter(parameterIndex).record(RecordedParameter.BINARY_STREAM_INT, length, x, null);
    }

    @Override
    default void setObject(int parameterIndex, @Nullable Object x, int targetSqlType) throws SQLException {
        parameter(parameterIndex).record(RecordedParameter.OBJECT_TYPED, targetSqlType, x, null);
    }

    @Override
    default void setObject(int parameterIndex, @Nullable Object x) throws SQLException {
        parameter(parameterIndex).record(RecordedParameter.OBJECT, 0, x, null);
    }

    @Override
    default void setCharacterStream(int parameterIndex, @Nullable Reader x, int length) throws SQLException {
        parameter(parameterIndex).record(RecordedParameter.CHARACTER_STREAM_INT, length, x, null);
    }

    @Override
    default void setRef(int parameterIndex, @Nullable Ref x) throws SQLException {
        parameter(parameterIndex).record(RecordedParameter.REF, 0, x, null);
    }

    @Override
    default void setBlob(int parameterIndex, @Nullable Blob x) throws SQLException {
        parameter(parameterIndex).record(RecordedParameter.BLOB, 0, x, null);
    }

    @Override
    default void setClob(int parameterIndex, @Nullable Clob x) throws SQLException {
        parameter(parameterIndex).record(RecordedParameter.CLOB, 0, x, null);
    }

    @Override
    default void setArray(int parameterIndex, @Nullable Array x) throws SQLException {
        parameter(parameterIndex).record(RecordedParameter.ARRAY, 0, x, null);
    }

    @Override
    default void setDate(int parameterIndex, @Nullable Date x, @Nullable Calendar cal) throws SQLException {
        parameter(parameterIndex).record(RecordedParameter.DATE_CALENDAR, 0, x, cal);
    }

    @Override
    default void setTime(int parameterIndex, @Nullable Time x, @Nullable Calendar cal) throws SQLException {
        parameter(parameterIndex).record(RecordedParameter.TIME_CALENDAR, 0, x, cal);
    }

    @Override
    default void setTimestamp(int parameterIndex, @Nullable Timestamp x, @Nullable Calendar cal) throws SQLException {
        parameter(parameterIndex).record(RecordedParameter.TIMESTAMP_CALENDAR, 0, x, cal);
    }

    @Override
    default void setURL(int parameterIndex, @Nullable URL x) throws SQLException {
        parameter(parameterIndex).record(RecordedParameter.URL, 0, x, null);
    }

    @Override
    default void setRowId(int parameterIndex, @Nullable RowId x) throws SQLException {
        parameter(parameterIndex).record(RecordedParameter.ROW_ID, 0, x, null);
    }

    @Override
    default void setNString(int parameterIndex, @Nullable String x) throws SQLException {
        parameter(parameterIndex).record(RecordedParameter.NSTRING, 0, x, null);
    }

    @Override
    default void setNCharacterStream(int parameterIndex, @Nullable Reader x, long length) throws SQLException {
        parameter(parameterIndex).record(RecordedParameter.NCHARACTER_STREAM_LONG, length, x, null);
    }

    @Override
    default void setNClob(int parameterIndex, @Nullable NClob x) throws SQLException {
        parameter(parameterIndex).record(RecordedParameter.NCLOB, 0, x, null);
    }

    @Override
    default void setClob(int parameterIndex, @Nullable Reader x, long length) throws SQLException {
        parameter(parameterIndex).record(RecordedParameter.CLOB_READER_LONG, length, x, null);
    }

    @Override
    default void setBlob(int parameterIndex, @Nullable InputStream x, long length) throws SQLException {
        parameter(parameterIndex).record(RecordedParameter.BLOB_STREAM_LONG, length, x, null);
    }

    @Override
    default void setNClob(int parameterIndex, @Nullable Reader x, long length) throws SQLException {
        parameter(parameterIndex).record(RecordedParameter.NCLOB_READER_LONG, length, x, null);
    }

    @Override
    default void setSQLXML(int parameterIndex, @Nullable SQLXML x) throws SQLException {
        parameter(parameterIndex).record(RecordedParameter.SQLXML, 0, x, null);
    }

    @Override
    default void setObject(int parameterIndex, @Nullable Object x, int targetSqlType, int scaleOrLength)
            throws SQLException {
        parameter(parameterIndex)
                .record(
                        RecordedParameter.OBJECT_TYPED_SCALED,
                        ((long) targetSqlType << 32) | (scaleOrLength & 0xFFFF_FFFFL),
                        x,
                        null);
    }

    @Override
    default void setAsciiStream(int parameterIndex, @Nullable InputStream x, long length) throws SQLException {
        parameter(parameterIndex).record(RecordedParameter.ASCII_STREAM_LONG, length, x, null);
    }

    @Override
    default void setBinaryStream(int parameterIndex, @Nullable InputStream x, long length) throws SQLException {
        parameter(parameterIndex).record(RecordedParameter.BINARY_STREAM_LONG, length, x, null);
    }

    @Override
    default void setCharacterStream(int parameterIndex, @Nullable Reader x, long length) throws SQLException {
        parameter(parameterIndex).record(RecordedParameter.CHARACTER_STREAM_LONG, length, x, null);
    }

    @Override
    default void setAsciiStream(int parameterIndex, @Nullable InputStream x) throws SQLException {
        parameter(parameterIndex).record(RecordedParameter.ASCII_STREAM, 0, x, null);
    }

    @Override
    default void setBinaryStream(int parameterIndex, @Nullable InputStream x) throws SQLException {
        parameter(parameterIndex).record(RecordedParameter.BINARY_STREAM, 0, x, null);
    }

    @Override
    default void setCharacterStream(int parameterIndex, @Nullable Reader x) throws SQLException {
        parameter(parameterIndex).record(RecordedParameter.CHARACTER_STREAM, 0, x, null);
    }

    @Override
    default void setNCharacterStream(int parameterIndex, @Nullable Reader x) throws SQLException {
        parameter(parameterIndex).record(RecordedParameter.NCHARACTER_STREAM, 0, x, null);
    }

    @Override
    default void setClob(int parameterIndex, @Nullable Reader x) throws SQLException {
        parameter(parameterIndex).record(RecordedParameter.CLOB_READER, 0, x, null);
    }

    @Override
    default void setBlob(int parameterIndex, @Nullable InputStream x) throws SQLException {
        parameter(parameterIndex).record(RecordedParameter.BLOB_STREAM, 0, x, null);
    }

    @Override
    default void setNClob(int parameterIndex, @Nullable Reader x) throws SQLException {
        parameter(parameterIndex).record(RecordedParameter.NCLOB_READER, 0, x, null);
    }

    @Override
    default void setObject(int parameterIndex, @Nullable Object x, @Nullable SQLType targetSqlType, int scaleOrLength)
            throws SQLException {
        parameter(parameterIndex).record(RecordedParameter.OBJECT_SQL_TYPE_SCALED, scaleOrLength, x, targetSqlType);
    }

    @Override
    default void setObject(int parameterIndex, @Nullable Object x, @Nullable SQLType targetSqlType)
            throws SQLException {
        parameter(parameterIndex).record(RecordedParameter.OBJECT_SQL_TYPE, 0, x, targetSqlType);
    }
}
