package io.strata.replication;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A vector of commit LSNs, one per replica set, keyed by {@link ReplicaSetDataSource#name()}
 * (for a sharded deployment: one entry per shard, e.g. {@code "shard0"}).
 *
 * <p>A read under {@link Consistency#READ_YOUR_WRITES} on replica set {@code s} is served only by
 * a node whose replay LSN has reached {@code lsn(s)}. Tokens are immutable; {@link #merge} takes
 * the per-set maximum, so merging is commutative, associative and idempotent.
 *
 * <p>The string form ({@link #toString()}, read back by {@link #parse}) is
 * {@code name:HI/LO} entries in PostgreSQL's LSN notation joined by {@code '.'}, e.g.
 * {@code shard0:0/16B3748.shard1:0/3000060}; the empty token is the empty string. It uses only
 * characters that are safe, unquoted, in an HTTP header value and in a cookie value.
 */
public final class ConsistencyToken {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final ConsistencyToken EMPTY = new ConsistencyToken(new TreeMap<>());

    // Sorted so that toString and equals do not depend on insertion order.
    private final TreeMap<String, Long> lsns;

    private ConsistencyToken(TreeMap<String, Long> lsns) {
        this.lsns = lsns;
    }

    /**
     * The LSN recorded for a replica set when a write there was acknowledged but its commit LSN
     * could not be read (the primary stopped answering right after the commit): no replica can be
     * shown to hold the write, so a read-your-writes read of that set goes to the primary. Its
     * string form is {@code 7FFFFFFF/FFFFFFFF}. A later capture on the same connection replaces it
     * ({@link #resolved}).
     */
    public static final long UNKNOWN_LSN = Long.MAX_VALUE;

    /** The token that requires nothing. */
    public static ConsistencyToken empty() {
        return EMPTY;
    }

    /**
     * A token with one entry.
     *
     * @param replicaSet a replica-set name ({@code [A-Za-z0-9_-]{1,64}})
     * @param lsn a WAL position as a byte offset (PostgreSQL's {@code pg_lsn - '0/0'})
     */
    public static ConsistencyToken of(String replicaSet, long lsn) {
        return EMPTY.with(replicaSet, lsn);
    }

    /** Whether {@code name} is a valid replica-set name for a token. */
    public static boolean isValidName(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    /** This token with {@code replicaSet} raised to at least {@code lsn}. */
    public ConsistencyToken with(String replicaSet, long lsn) {
        if (!isValidName(replicaSet)) {
            throw new IllegalArgumentException("replicaSet must match [A-Za-z0-9_-]{1,64}, was " + replicaSet);
        }
        if (lsn < 0) {
            throw new IllegalArgumentException("lsn must be >= 0, was " + lsn);
        }
        Long current = lsns.get(replicaSet);
        if (current != null && current >= lsn) {
            return this;
        }
        TreeMap<String, Long> copy = new TreeMap<>(lsns);
        copy.put(replicaSet, lsn);
        return new ConsistencyToken(copy);
    }

    /**
     * This token with {@code replicaSet} at least {@code lsn}, where {@code lsn} was read on the
     * set's primary after every write this token covers there: an {@link #UNKNOWN_LSN} entry is
     * replaced by it (the new capture covers the write whose LSN was unknown), any other entry is
     * raised as by {@link #with}.
     */
    public ConsistencyToken resolved(String replicaSet, long lsn) {
        Long current = lsns.get(replicaSet);
        if (current == null || current != UNKNOWN_LSN) {
            return with(replicaSet, lsn);
        }
        TreeMap<String, Long> copy = new TreeMap<>(lsns);
        copy.remove(replicaSet);
        return new ConsistencyToken(copy).with(replicaSet, lsn);
    }

    /** The per-set maximum of this token and {@code other}. */
    public ConsistencyToken merge(ConsistencyToken other) {
        Objects.requireNonNull(other, "other");
        if (other.lsns.isEmpty() || other.equals(this)) {
            return this;
        }
        if (lsns.isEmpty()) {
            return other;
        }
        TreeMap<String, Long> copy = new TreeMap<>(lsns);
        other.lsns.forEach((k, v) -> copy.merge(k, v, Math::max));
        return new ConsistencyToken(copy);
    }

    /** The LSN this token requires on {@code replicaSet}, if any. */
    public OptionalLong lsn(String replicaSet) {
        Long v = lsns.get(replicaSet);
        return v == null ? OptionalLong.empty() : OptionalLong.of(v);
    }

    /** Every entry, sorted by replica-set name. */
    public Map<String, Long> entries() {
        return Collections.unmodifiableMap(lsns);
    }

    /** Whether this token requires nothing. */
    public boolean isEmpty() {
        return lsns.isEmpty();
    }

    /**
     * Reads the form written by {@link #toString()}.
     *
     * @throws IllegalArgumentException naming the offending part when {@code text} is malformed
     */
    public static ConsistencyToken parse(String text) {
        Objects.requireNonNull(text, "text");
        String t = text.trim();
        if (t.isEmpty()) {
            return EMPTY;
        }
        ConsistencyToken token = EMPTY;
        for (String entry : t.split("\\.", -1)) {
            int colon = entry.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException(
                        "consistency token entry must be name:HI/LO, was '" + entry + "' in '" + text + "'");
            }
            String name = entry.substring(0, colon);
            long lsn;
            try {
                lsn = parseLsn(entry.substring(colon + 1));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "consistency token entry has a bad LSN: '" + entry + "' in '" + text + "'", e);
            }
            if (!isValidName(name)) {
                throw new IllegalArgumentException(
                        "consistency token entry has a bad replica-set name: '" + entry + "' in '" + text + "'");
            }
            token = token.with(name, lsn);
        }
        return token;
    }

    /** Formats a byte offset in PostgreSQL's LSN notation, e.g. {@code 0/16B3748}. */
    public static String formatLsn(long lsn) {
        return Long.toHexString(lsn >>> 32).toUpperCase() + "/"
                + Long.toHexString(lsn & 0xFFFFFFFFL).toUpperCase();
    }

    /** Parses PostgreSQL's LSN notation ({@code HI/LO}, hexadecimal) to a byte offset. */
    public static long parseLsn(String text) {
        int slash = text.indexOf('/');
        if (slash <= 0 || slash == text.length() - 1 || slash > 8 || text.length() - slash - 1 > 8) {
            throw new IllegalArgumentException("LSN must be HI/LO in hexadecimal, was '" + text + "'");
        }
        try {
            long hi = Long.parseLong(text.substring(0, slash), 16);
            long lo = Long.parseLong(text.substring(slash + 1), 16);
            long lsn = (hi << 32) | lo;
            if (lsn < 0) {
                throw new IllegalArgumentException("LSN out of range: '" + text + "'");
            }
            return lsn;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("LSN must be HI/LO in hexadecimal, was '" + text + "'", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConsistencyToken other && lsns.equals(other.lsns);
    }

    @Override
    public int hashCode() {
        return lsns.hashCode();
    }

    /** The header-safe string form; see the class comment. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        lsns.forEach((k, v) -> {
            if (sb.length() > 0) {
                sb.append('.');
            }
            sb.append(k).append(':').append(formatLsn(v));
        });
        return sb.toString();
    }
}
