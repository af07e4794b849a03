package io.strata.cache;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Store} over one plain table {@code (key, value, version)} through any
 * {@link DataSource} (Strata's sharding one included: every statement names the key). Values are
 * stored by the codec, as {@code jsonb} by default or as {@code bytea}. Writes are idempotent,
 * versioned upserts:
 *
 * <pre>{@code
 * INSERT INTO t (k, v, ver) VALUES (?, ?, ?)
 * ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v, ver = EXCLUDED.ver WHERE t.ver < EXCLUDED.ver
 * }</pre>
 *
 * so a replayed or late write never overwrites a newer one. The key column must be the primary key
 * (or unique), the version column a {@code bigint}.
 *
 * @param <K> key type (a JDBC-mappable type: Long, Integer, String, UUID, ...)
 * @param <V> value type
 */
public final class JdbcStore<K, V> implements Store<K, V> {

    private static final int IN_CHUNK = 500;

    private final DataSource dataSource;
    private final Class<K> keyType;
    private final Codec<V> codec;
    private final boolean binary;
    private final String table;
    private final String keyColumn;
    private final String valueColumn;
    private final String selectOne;
    private final String upsert;
    private final String delete;

    private JdbcStore(Builder<K, V> b) {
        this.dataSource = b.dataSource;
        this.keyType = b.keyType;
        this.codec = b.codec != null ? b.codec : Codec.json(b.valueType);
        this.binary = b.binary;
        this.table = b.table;
        this.keyColumn = b.keyColumn;
        this.valueColumn = b.valueColumn;
        String param = binary ? "?" : "CAST(? AS jsonb)";
        this.selectOne = "SELECT " + valueColumn + " FROM " + table + " WHERE " + keyColumn + " = ?";
        this.upsert = "INSERT INTO " + table + " (" + keyColumn + ", " + valueColumn + ", " + b.versionColumn
                + ") VALUES (?, " + param + ", ?) ON CONFLICT (" + keyColumn + ") DO UPDATE SET " + valueColumn
                + " = EXCLUDED." + valueColumn + ", " + b.versionColumn + " = EXCLUDED." + b.versionColumn
                + " WHERE " + table + "." + b.versionColumn + " < EXCLUDED." + b.versionColumn;
        this.delete = "DELETE FROM " + table + " WHERE " + keyColumn + " = ?";
    }

    /**
     * A builder for a store on {@code table} with columns {@code id}, {@code value}, {@code version}
     * unless renamed.
     */
    public static <K, V> Builder<K, V> builder(
            DataSource dataSource, String table, Class<K> keyType, Class<V> valueType) {
        return new Builder<>(dataSource, table, keyType, valueType);
    }

    private @Nullable V read(ResultSet rs, int column) throws SQLException {
        byte[] bytes = binary ? rs.getBytes(column) : bytesOf(rs.getString(column));
        return bytes == null ? null : codec.decode(bytes);
    }

    private static byte @Nullable [] bytesOf(@Nullable String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    private void bindValue(PreparedStatement ps, int index, V value) throws SQLException {
        byte[] bytes = codec.encode(value);
        if (binary) {
            ps.setBytes(index, bytes);
        } else {
            ps.setString(index, new String(bytes, StandardCharsets.UTF_8));
        }
    }

    @Override
    public @Nullable V load(K key) {
        Objects.requireNonNull(key, "key cannot be null");
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(selectOne)) {
            ps.setObject(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? read(rs, 1) : null;
            }
        } catch (SQLException e) {
            throw new CacheException("load from " + table + " failed for key " + key + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Map<K, V> loadAll(Collection<? extends K> keys) {
        Map<K, V> result = new HashMap<>();
        List<K> list = new ArrayList<>(keys);
        try (Connection c = dataSource.getConnection()) {
            for (int from = 0; from < list.size(); from += IN_CHUNK) {
                List<K> chunk = list.subList(from, Math.min(list.size(), from + IN_CHUNK));
                String sql = "SELECT " + keyColumn + ", " + valueColumn + " FROM " + table + " WHERE " + keyColumn
                        + " IN (" + String.join(", ", java.util.Collections.nCopies(chunk.size(), "?")) + ")";
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    for (int i = 0; i < chunk.size(); i++) {
                        ps.setObject(i + 1, chunk.get(i));
                    }
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            result.put(rs.getObject(1, keyType), read(rs, 2));
                        }
                    }
                }
            }
            return result;
        } catch (SQLException e) {
            throw new CacheException("loadAll from " + table + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void write(K key, V value, long version) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(upsert)) {
            ps.setObject(1, key);
            bindValue(ps, 2, value);
            ps.setLong(3, version);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new CacheException("write to " + table + " failed for key " + key + ": " + e.getMessage(), e);
        }
    }

    /** One transaction, one JDBC batch; keys in their natural order when they have one, so that concurrent batches lock rows in the same order. */
    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public void writeAll(Map<? extends K, Versioned<V>> entries) {
        if (entries.isEmpty()) {
            return;
        }
        List<K> keys = new ArrayList<>(entries.keySet());
        if (keys.get(0) instanceof Comparable) {
            keys.sort((a, b) -> ((Comparable) a).compareTo(b));
        }
        try (Connection c = dataSource.getConnection()) {
            boolean auto = c.getAutoCommit();
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement(upsert)) {
                for (K key : keys) {
                    Versioned<V> v = Objects.requireNonNull(entries.get(key), "entry of a listed key");
                    ps.setObject(1, key);
                    bindValue(ps, 2, v.value());
                    ps.setLong(3, v.version());
                    ps.addBatch();
                }
                ps.executeBatch();
                c.commit();
            } catch (SQLException | RuntimeException e) {
                try {
                    c.rollback();
                } catch (SQLException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            } finally {
                try {
                    c.setAutoCommit(auto);
                } catch (SQLException ignored) {
                    // the connection is broken; the pool discards it
                }
            }
        } catch (SQLException e) {
            SQLException next = e.getNextException();
            throw new CacheException(
                    "writeAll of " + entries.size() + " rows to " + table + " failed: " + e.getMessage()
                            + (next != null ? " (" + next.getMessage() + ")" : ""),
                    e);
        }
    }

    @Override
    public void delete(K key) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(delete)) {
            ps.setObject(1, key);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new CacheException("delete from " + table + " failed for key " + key + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "JdbcStore[" + table + "]";
    }

    /** Builds a {@link JdbcStore}. */
    public static final class Builder<K, V> {
        private static final Pattern IDENTIFIER =
                Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}(\\.[A-Za-z_][A-Za-z0-9_]{0,62})?");

        private final DataSource dataSource;
        private final String table;
        private final Class<K> keyType;
        private final Class<V> valueType;
        private String keyColumn = "id";
        private String valueColumn = "value";
        private String versionColumn = "version";
        private @Nullable Codec<V> codec;
        private boolean binary;

        private Builder(DataSource dataSource, String table, Class<K> keyType, Class<V> valueType) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource cannot be null");
            this.table = identifier(table, "table");
            this.keyType = Objects.requireNonNull(keyType, "keyType cannot be null");
            this.valueType = Objects.requireNonNull(valueType, "valueType cannot be null");
        }

        private static String identifier(String value, String name) {
            Objects.requireNonNull(value, name + " cannot be null");
            if (!IDENTIFIER.matcher(value).matches()) {
                throw new IllegalArgumentException(name + " must be an SQL identifier, was '" + value + "'");
            }
            return value;
        }

        /** The key column (default {@code id}). */
        public Builder<K, V> keyColumn(String keyColumn) {
            this.keyColumn = identifier(keyColumn, "keyColumn");
            return this;
        }

        /** The value column (default {@code value}). */
        public Builder<K, V> valueColumn(String valueColumn) {
            this.valueColumn = identifier(valueColumn, "valueColumn");
            return this;
        }

        /** The bigint version column (default {@code version}). */
        public Builder<K, V> versionColumn(String versionColumn) {
            this.versionColumn = identifier(versionColumn, "versionColumn");
            return this;
        }

        /** The value codec; JSON of the value type by default. */
        public Builder<K, V> codec(Codec<V> codec) {
            this.codec = Objects.requireNonNull(codec, "codec cannot be null");
            return this;
        }

        /** Stores values as {@code bytea} instead of {@code jsonb}. */
        public Builder<K, V> binary() {
            this.binary = true;
            return this;
        }

        /** The store. */
        public JdbcStore<K, V> build() {
            return new JdbcStore<>(this);
        }
    }
}
