package io.strata.sample;

import io.strata.cache.CacheException;
import io.strata.cache.Store;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * The product catalogue as the products cache sees it: a plain relational table (not the
 * key/value/version layout of {@link io.strata.cache.JdbcStore}), broadcast to every shard, so a
 * load is read from whichever shard and replica Strata picks.
 */
final class ProductStore implements Store<Long, Product> {

    private final DataSource shop;

    ProductStore(DataSource shop) {
        this.shop = shop;
    }

    @Override
    public @Nullable Product load(Long id) {
        try (Connection c = shop.getConnection();
                PreparedStatement ps =
                        c.prepareStatement("SELECT id, name, price_cents, version FROM products WHERE id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new Product(rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getLong(4)) : null;
            }
        } catch (SQLException e) {
            throw new CacheException("loading product " + id + " failed: " + e.getMessage(), e);
        }
    }

    /** Writes name and price; a broadcast write, so every shard gets it (two-phase commit). */
    @Override
    public void write(Long id, Product value, long version) {
        try (Connection c = shop.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "UPDATE products SET name = ?, price_cents = ?, version = ? WHERE id = ? AND version < ?")) {
            ps.setString(1, value.name());
            ps.setLong(2, value.priceCents());
            ps.setLong(3, version);
            ps.setLong(4, id);
            ps.setLong(5, version);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new CacheException("writing product " + id + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void delete(Long id) {
        throw new CacheException("the catalogue is not deleted through the cache");
    }
}
