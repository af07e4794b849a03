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
 * One recorded {@code PreparedStatement} parameter: which setter the application called and its
 * arguments, kept so the same call can be replayed on a physical statement (at any index: the
 * router renumbers placeholders per shard). A slot is reused by every later setter call on its
 * index, and primitives are kept unboxed, so recording a parameter allocates nothing.
 *
 * <p>Encoding: {@code kind} names the setter overload; {@code bits} holds a primitive value (a
 * float or double by its raw bits), an {@code int} SQL type or a stream length; {@code value} the
 * object argument; {@code extra} a {@code Calendar}, type name or {@link SQLType}. Not
 * thread-safe: it belongs to one statement, like the statement's other state.
 */
public class RecordedParameter {

    static final byte UNSET = 0;
    static final byte NULL = 1;
    static final byte NULL_TYPED = 2;
    static final byte BOOLEAN = 3;
    static final byte BYTE = 4;
    static final byte SHORT = 5;
    static final byte INT = 6;
    static final byte LONG = 7;
    static final byte FLOAT = 8;
    static final byte DOUBLE = 9;
    static final byte BIG_DECIMAL = 10;
    static final byte STRING = 11;
    static final byte BYTES = 12;
    static final byte DATE = 13;
    static final byte TIME = 14;
    static final byte TIMESTAMP = 15;
    static final byte ASCII_STREAM_INT = 16;
    static final byte UNICODE_STREAM = 17;
    static final byte BINARY_STREAM_INT = 18;
    static final byte OBJECT_TYPED = 19;
    static final byte OBJECT = 20;
    static final byte CHARACTER_STREAM_INT = 21;
    static final byte REF = 22;
    static final byte BLOB = 23;
    static final byte CLOB = 24;
    static final byte ARRAY = 25;
    static final byte DATE_CALENDAR = 26;
    static final byte TIME_CALENDAR = 27;
    static final byte TIMESTAMP_CALENDAR = 28;
    static final byte URL = 29;
    static final byte ROW_ID = 30;
    static final byte NSTRING = 31;
    static final byte NCHARACTER_STREAM_LONG = 32;
    static final byte NCLOB = 33;
    static final byte CLOB_READER_LONG = 34;
    static final byte BLOB_STREAM_LONG = 35;
    static final byte NCLOB_READER_LONG = 36;
    static final byte SQLXML = 37;
    static final byte OBJECT_TYPED_SCALED = 38;
    static final byte ASCII_STREAM_LONG = 39;
    static final byte BINARY_STREAM_LONG = 40;
    static final byte CHARACTER_STREAM_LONG = 41;
    static final byte ASCII_STREAM = 42;
    static final byte BINARY_STREAM = 43;
    static final byte CHARACTER_STREAM = 44;
    static final byte NCHARACTER_STREAM = 45;
    static final byte CLOB_READER = 46;
    static final byte BLOB_STREAM = 47;
    static final byte NCLOB_READER = 48;
    static final byte OBJECT_SQL_TYPE_SCALED = 49;
    static final byte OBJECT_SQL_TYPE = 50;

    private byte kind = UNSET;
    private long bits;
    private @Nullable Object value;
    private @Nullable Object extra;

    /** An empty slot, filled by the first setter call on its index. */
    public RecordedParameter() {}

    /** Records one setter call (see the class comment for the encoding). */
    final void record(byte kind, long bits, @Nullable Object value, @Nullable Object extra) {
        this.kind = kind;
        this.bits = bits;
        this.value = value;
        this.extra = extra;
    }

    /** Empties this slot (as before its first setter call), so a pooled slot can be reused. */
    public final void clear() {
        record(UNSET, 0, null, null);
    }

    /** Records {@code setObject(index, value)}, as a caller outside a statement would. */
    public final void recordObject(@Nullable Object value) {
        record(OBJECT, 0, value, null);
    }

    /** Makes this slot a copy of {@code other} (a batch row keeps its own copy). */
    protected final void copyFrom(RecordedParameter other) {
        this.kind = other.kind;
        this.bits = other.bits;
        this.value = other.value;
        this.extra = other.extra;
    }

    /** A copy of this slot, for a batch row. */
    public RecordedParameter copy() {
        RecordedParameter p = new RecordedParameter();
        p.copyFrom(this);
        return p;
    }

    /** Whether a setter has been recorded in this slot. */
    public final boolean isSet() {
        return kind != UNSET;
    }

    /**
     * Whether this slot holds a whole number ({@code setByte}, {@code setShort}, {@code setInt} or
     * {@code setLong}), which {@link #wholeNumber()} returns without boxing it (a router hashes a
     * key this way on every routed statement).
     */
    public final boolean isWholeNumber() {
        return kind == BYTE || kind == SHORT || kind == INT || kind == LONG;
    }

    /** The value of a whole-number slot (see {@link #isWholeNumber()}), widened to a long. */
    public final long wholeNumber() {
        if (!isWholeNumber()) {
            throw new IllegalStateException("not a whole-number parameter");
        }
        return bits;
    }

    /**
     * The {@code Calendar} of a {@code setDate}, {@code setTime} or {@code setTimestamp} call that
     * passed one (a router may route a time key by it), else null.
     */
    public final @Nullable Calendar calendar() {
        return kind == DATE_CALENDAR || kind == TIME_CALENDAR || kind == TIMESTAMP_CALENDAR ? (Calendar) extra : null;
    }

    /**
     * The value as the application gave it: {@code null} for {@code setNull}, a primitive boxed
     * to its wrapper ({@code setLong} gives a {@link Long}), otherwise the object argument (a
     * stream or reader for the stream setters). A module may override it to route by more (a
     * time with its {@link #calendar()}).
     */
    public @Nullable Object value() {
        return switch (kind) {
            case BOOLEAN -> bits != 0;
            case BYTE -> (byte) bits;
            case SHORT -> (short) bits;
            case INT -> (int) bits;
            case LONG -> bits;
            case FLOAT -> Float.intBitsToFloat((int) bits);
            case DOUBLE -> Double.longBitsToDouble(bits);
            default -> value;
        };
    }

    /**
     * The PostgreSQL type pgjdbc gives this parameter when it binds it: {@code int2} for
     * {@code setShort}/{@code setByte}, {@code int4} for {@code setInt}, {@code int8} for
     * {@code setLong}, {@code float4}, {@code float8}, {@code numeric}, {@code bool}, the same for
     * {@code setObject} of the corresponding wrapper; {@code "unknown"} for {@code setNull};
     * {@code null} for anything else (strings, whose type PostgreSQL infers from the context, dates,
     * streams, typed {@code setObject}), which a caller that needs the type must refuse.
     */
    public final @Nullable String boundType() {
        return switch (kind) {
            case NULL, NULL_TYPED -> "unknown";
            case BYTE, SHORT -> "int2";
            case INT -> "int4";
            case LONG -> "int8";
            case FLOAT -> "float4";
            case DOUBLE -> "float8";
            case BIG_DECIMAL -> value == null ? "unknown" : "numeric";
            case BOOLEAN -> "bool";
            case OBJECT -> {
                if (value == null) {
                    yield "unknown";
                } else if (value instanceof Short || value instanceof Byte) {
                    yield "int2";
                } else if (value instanceof Integer) {
                    yield "int4";
                } else if (value instanceof Long) {
                    yield "int8";
                } else if (value instanceof Float) {
                    yield "float4";
                } else if (value instanceof Double) {
                    yield "float8";
                } else if (value instanceof BigDecimal) {
                    yield "numeric";
                } else if (value instanceof Boolean) {
                    yield "bool";
                }
                yield null;
            }
            default -> null;
        };
    }

    /**
     * Replays the recorded setter on {@code statement} at {@code index}.
     *
     * @throws SQLException what the statement's setter throws
     * @throws IllegalStateException if nothing was recorded in this slot
     */
    @SuppressWarnings("deprecation") // setUnicodeStream is replayed as the application called it
    public final void bind(PreparedStatement statement, int index) throws SQLException {
        switch (kind) {
            case NULL -> statement.setNull(index, (int) bits);
            case NULL_TYPED -> statement.setNull(index, (int) bits, (String) extra);
            case BOOLEAN -> statement.setBoolean(index, bits != 0);
            case BYTE -> statement.setByte(index, (byte) bits);
            case SHORT -> statement.setShort(index, (short) bits);
            case INT -> statement.setInt(index, (int) bits);
            case LONG -> statement.setLong(index, bits);
            case FLOAT -> statement.setFloat(index, Float.intBitsToFloat((int) bits));
            case DOUBLE -> statement.setDouble(index, Double.longBitsToDouble(bits));
            case BIG_DECIMAL -> statement.setBigDecimal(index, (BigDecimal) value);
            case STRING -> statement.setString(index, (String) value);
            case BYTES -> statement.setBytes(index, (byte[]) value);
            case DATE -> statement.setDate(index, (Date) value);
            case TIME -> statement.setTime(index, (Time) value);
            case TIMESTAMP -> statement.setTimestamp(index, (Timestamp) value);
            case ASCII_STREAM_INT -> statement.setAsciiStream(index, (InputStream) value, (int) bits);
            case UNICODE_STREAM -> statement.setUnicodeStream(index, (InputStream) value, (int) bits);
            case BINARY_STREAM_INT -> statement.setBinaryStream(index, (InputStream) value, (int) bits);
            case OBJECT_TYPED -> statement.setObject(index, value, (int) bits);
            case OBJECT -> statement.setObject(index, value);
            case CHARACTER_STREAM_INT -> statement.setCharacterStream(index, (Reader) value, (int) bits);
            case REF -> statement.setRef(index, (Ref) value);
            case BLOB -> statement.setBlob(index, (Blob) value);
            case CLOB -> statement.setClob(index, (Clob) value);
            case ARRAY -> statement.setArray(index, (Array) value);
            case DATE_CALENDAR -> statement.setDate(index, (Date) value, (Calendar) extra);
            case TIME_CALENDAR -> statement.setTime(index, (Time) value, (Calendar) extra);
            case TIMESTAMP_CALENDAR -> statement.setTimestamp(index, (Timestamp) value, (Calendar) extra);
            case URL -> statement.setURL(index, (URL) value);
            case ROW_ID -> statement.setRowId(index, (RowId) value);
            case NSTRING -> statement.setNString(index, (String) value);
            case NCHARACTER_STREAM_LONG -> statement.setNCharacterStream(index, (Reader) value, bits);
            case NCLOB -> statement.setNClob(index, (NClob) value);
            case CLOB_READER_LONG -> statement.setClob(index, (Reader) value, bits);
            case BLOB_STREAM_LONG -> statement.setBlob(index, (InputStream) value, bits);
            case NCLOB_READER_LONG -> statement.setNClob(index, (Reader) value, bits);
            case SQLXML -> statement.setSQLXML(index, (SQLXML) value);
            case OBJECT_TYPED_SCALED -> statement.setObject(index, value, (int) (bits >>> 32), (int) bits);
            case ASCII_STREAM_LONG -> statement.setAsciiStream(index, (InputStream) value, bits);
            case BINARY_STREAM_LONG -> statement.setBinaryStream(index, (InputStream) value, bits);
            case CHARACTER_STREAM_LONG -> statement.setCharacterStream(index, (Reader) value, bits);
            case ASCII_STREAM -> statement.setAsciiStream(index, (InputStream) value);
            case BINARY_STREAM -> statement.setBinaryStream(index, (InputStream) value);
            case CHARACTER_STREAM -> statement.setCharacterStream(index, (Reader) value);
            case NCHARACTER_STREAM -> statement.setNCharacterStream(index, (Reader) value);
            case CLOB_READER -> statement.setClob(index, (Reader) value);
            case BLOB_STREAM -> statement.setBlob(index, (InputStream) value);
            case NCLOB_READER -> statement.setNClob(index, (Reader) value);
            case OBJECT_SQL_TYPE_SCALED -> statement.setObject(index, value, (SQLType) extra, (int) bits);
            case OBJECT_SQL_TYPE -> statement.setObject(index, value, (SQLType) extra);
            default -> throw new IllegalStateException("no parameter recorded for index " + index);
        }
    }
}
