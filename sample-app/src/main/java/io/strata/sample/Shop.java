package io.strata.sample;

import com.hazelcast.flakeidgen.FlakeIdGenerator;
import io.strata.replication.Consistency;
import io.strata.replication.ConsistencyToken;
import io.strata.router.ShardingConnection;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * The shop service: what its HTTP handlers would call. Plain JDBC against Strata's data source
 * for orders and reports, the tiered caches for the catalogue, profiles, carts and view counters.
 * Read-your-writes travels as a {@link ConsistencyToken} the caller keeps per customer session
 * (in a real service: a cookie or a header) and hands back on the next read.
 */
final class Shop {

    private final DataSource db;
    private final ShopCaches caches;
    private final FlakeIdGenerator orderIds;
    private final Object[] viewLocks = new Object[64];

    Shop(DataSource db, ShopCaches caches, FlakeIdGenerator orderIds) {
        this.db = db;
        this.caches = caches;
        this.orderIds = orderIds;
        for (int i = 0; i < viewLocks.length; i++) {
            viewLocks[i] = new Object();
        }
    }

    /** A product page: the catalogue entry (refresh-ahead cache) and one more view (write-behind). */
    @Nullable
    Product viewProduct(long productId) {
        Product product = caches.products.get(productId);
        // Concurrency: the counter is read-modify-write; the lock makes it exact within this JVM.
        // Members increment independently, so across members it is approximate (last write wins).
        synchronized (viewLocks[(int) (productId % viewLocks.length)]) {
            ViewCount count = caches.views.get(productId);
            caches.views.put(productId, count == null ? new ViewCount(productId, 1) : count.plusOne());
        }
        return product;
    }

    /** Adds a product to the customer's cart; returns the cart whose write was acknowledged. */
    Cart addToCart(long customerId, long productId) {
        Cart cart = caches.carts.get(customerId);
        Cart next = (cart == null ? Cart.empty(customerId) : cart).add(productId);
        caches.carts.put(customerId, next);
        return next;
    }

    /** The customer's cart as the cache (or, on a miss, PostgreSQL) has it. */
    @Nullable
    Cart cart(long customerId) {
        return caches.carts.get(customerId);
    }

    /**
     * Places an order (one shard: the customer's) and returns the session's token merged with
     * the commit LSN of this write.
     */
    ConsistencyToken placeOrder(long orderId, long customerId, long productId, int quantity, ConsistencyToken session)
            throws SQLException {
        Product product = caches.products.get(productId);
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement("INSERT INTO orders (id, customer_id, product_id, quantity,"
                        + " amount_cents) VALUES (?, ?, ?, ?, ?)")) {
            ps.setLong(1, orderId);
            ps.setLong(2, customerId);
            ps.setLong(3, productId);
            ps.setInt(4, quantity);
            // the demo seeds its products and never deletes one
            ps.setLong(
                    5,
                    Objects.requireNonNull(product, "product " + productId + " not found")
                                    .priceCents()
                            * quantity);
            ps.executeUpdate();
            return session.merge(c.unwrap(ShardingConnection.class).token());
        }
    }

    /** A new cluster-wide order id. */
    long nextOrderId() {
        return orderIds.newId();
    }

    /** How many orders the customer has, read at {@code consistency} (with the session's token). */
    long orderCount(long customerId, Consistency consistency, ConsistencyToken session) throws SQLException {
        try (Connection c = db.getConnection()) {
            ShardingConnection strata = c.unwrap(ShardingConnection.class);
            strata.setConsistency(consistency);
            if (!session.isEmpty()) {
                strata.requireToken(session);
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM orders WHERE customer_id = ?")) {
                ps.setLong(1, customerId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        }
    }

    /** The customer's latest orders' ids, from a replica at most {@code consistency} stale. */
    List<Long> recentOrders(long customerId, Consistency consistency) throws SQLException {
        try (Connection c = db.getConnection()) {
            c.unwrap(ShardingConnection.class).setConsistency(consistency);
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT id FROM orders WHERE customer_id = ? ORDER BY created_at DESC LIMIT 5")) {
                ps.setLong(1, customerId);
                List<Long> ids = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getLong(1));
                    }
                }
                return ids;
            }
        }
    }

    /** The customer's profile (write-through cache). */
    @Nullable
    Profile profile(long customerId) {
        return caches.profiles.get(customerId);
    }

    /** Updates a profile: PostgreSQL first, then the tiers; returns once PostgreSQL has it. */
    Profile updateProfile(long customerId, @Nullable Profile current) {
        long revision = current == null ? 1 : current.revision() + 1;
        Profile next =
                new Profile(customerId, "customer-" + customerId, revision % 3 == 0 ? "gold" : "silver", revision);
        caches.profiles.put(customerId, next);
        return next;
    }

    /** Changes a product's price on every shard, then drops the cached copy on every member. */
    void reprice(long productId, long priceCents) throws SQLException {
        try (Connection c = db.getConnection();
                PreparedStatement ps =
                        c.prepareStatement("UPDATE products SET price_cents = ?, version = version + 1 WHERE id = ?")) {
            ps.setLong(1, priceCents);
            ps.setLong(2, productId);
            ps.executeUpdate();
        }
        caches.products.invalidate(productId);
    }

    /** The best sellers across every shard: one statement, scattered and merged by Strata. */
    List<SalesLine> salesReport(int top) throws SQLException {
        try (Connection c = db.getConnection();
                PreparedStatement ps =
                        c.prepareStatement("SELECT product_id, count(*) AS n, sum(amount_cents) AS revenue"
                                + " FROM orders GROUP BY product_id ORDER BY revenue DESC, product_id LIMIT " + top)) {
            List<SalesLine> lines = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    lines.add(new SalesLine(rs.getLong(1), rs.getLong(2), rs.getLong(3)));
                }
            }
            return lines;
        }
    }
}
