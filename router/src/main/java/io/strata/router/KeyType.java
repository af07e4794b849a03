package io.strata.router;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;

/**
 * The declared type of a shard key. A key value is first brought to its canonical form under this
 * type, then hashed over the canonical bytes (see {@link ShardMap#slotOf}), so that every way a
 * client may spell the same key ({@code setInt(42)}, {@code setLong(42L)}, literal {@code 42},
 * literal {@code '42'}) lands on the same slot.
 *
 * <ul>
 *   <li>{@link #LONG} (PostgreSQL {@code smallint}, {@code integer}, {@code bigint}): the value as a
 *       64-bit two's complement integer, 8 bytes big-endian.</li>
 *   <li>{@link #TEXT} ({@code text}, {@code varchar}): the UTF-8 bytes of the string, unchanged.</li>
 *   <li>{@link #UUID} ({@code uuid}): the 16 bytes of the UUID, most significant first.</li>
 * </ul>
 */
public enum KeyType {
    /** {@code smallint}, {@code integer}, {@code bigint}: 8 bytes big-endian. */
    LONG,
    /** {@code text}, {@code varchar}: UTF-8 bytes. */
    TEXT,
    /** {@code uuid}: 16 bytes, most significant first. */
    UUID;

    /**
     * Brings a key value to its canonical Java form under this type: a {@link Long}, a
     * {@link String} or a {@link java.util.UUID}.
     *
     * @throws SQLException (SQLState 22023) when the value cannot be a key of this type
     */
    public Object canonical(Object value) throws SQLException {
        if (value == null) {
            throw new SQLException("Strata: a shard key cannot be NULL", "22023");
        }
        switch (this) {
            case LONG:
                return canonicalLong(value);
            case TEXT:
                if (value instanceof String s) {
                    return s;
                }
                if (value instanceof Character || value instanceof Number || value instanceof java.util.UUID) {
                    return value instanceof BigDecimal bd ? bd.toPlainString() : value.toString();
                }
                throw new SQLException(
                        "Strata: a " + value.getClass().getName() + " cannot be a text shard key", "22023");
            default:
                if (value instanceof java.util.UUID u) {
                    return u;
                }
                if (value instanceof String s) {
                    try {
                        return java.util.UUID.fromString(s.trim());
                    } catch (IllegalArgumentException e) {
                        throw new SQLException("Strata: '" + s + "' is not a valid uuid shard key", "22P02");
                    }
                }
                throw new SQLException(
                        "Strata: a " + value.getClass().getName() + " cannot be a uuid shard key", "22023");
        }
    }

    /** The canonical bytes that {@link ShardMap} hashes. */
    public byte[] canonicalBytes(Object value) throws SQLException {
        Object c = canonical(value);
        switch (this) {
            case LONG:
                return ByteBuffer.allocate(8).putLong((Long) c).array();
            case TEXT:
                return ((String) c).getBytes(StandardCharsets.UTF_8);
            default:
                java.util.UUID u = (java.util.UUID) c;
                return ByteBuffer.allocate(16)
                        .putLong(u.getMostSignificantBits())
                        .putLong(u.getLeastSignificantBits())
                        .array();
        }
    }

    private static Long canonicalLong(Object value) throws SQLException {
        if (value instanceof Long l) {
            return l;
        }
        return longKey(value);
    }

    /**
     * The canonical value of a {@link #LONG} key, unboxed (what {@link ShardMap#slotOf} hashes
     * without allocating).
     *
     * @throws SQLException (SQLState 22023 or 22P02) when the value cannot be a bigint key
     */
    static long longKey(Object value) throws SQLException {
        if (value == null) {
            throw new SQLException("Strata: a shard key cannot be NULL", "22023");
        }
        if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
            return ((Number) value).longValue();
        }
        try {
            if (value instanceof BigInteger bi) {
                return bi.longValueExact();
            }
            if (value instanceof BigDecimal bd) {
                return bd.stripTrailingZeros().toBigIntegerExact().longValueExact();
            }
            if (value instanceof Double || value instanceof Float) {
                double d = ((Number) value).doubleValue();
                if (d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 0x1p63) {
                    return (long) d;
                }
                throw new ArithmeticException("not integral");
            }
            if (value instanceof String s) {
                // PostgreSQL's int8in accepts surrounding blanks and a leading sign.
                return Long.parseLong(s.trim());
            }
        } catch (ArithmeticException | NumberFormatException e) {
            throw new SQLException("Strata: '" + value + "' is not a valid bigint shard key", "22P02");
        }
        throw new SQLException("Strata: a " + value.getClass().getName() + " cannot be a bigint shard key", "22023");
    }
}
