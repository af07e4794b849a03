package io.strata.sample;

import io.strata.router.KeyType;
import io.strata.router.ShardingDataSource;
import io.strata.router.TableRule;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import javax.sql.DataSource;

/**
 * The shop's tables and how each is placed: customers, orders, profiles and carts sharded by
 * customer id (so one customer's rows live together), view counters sharded by product id, and
 * the product catalogue broadcast to every shard. The DDL goes through Strata, which runs it on
 * every shard.
 */
public final class ShopSchema {

    /** The DDL, idempotent. The same text is in docker/initdb/20-shop-schema.sql. */
    public static final List<String> DDL = List.of(
            "CREATE TABLE IF NOT EXISTS customers (id bigint PRIMARY KEY, name text NOT NULL, email text NOT NULL)",
            "CREATE TABLE IF NOT EXISTS orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL,"
                    + " product_id bigint NOT NULL, quantity int NOT NULL, amount_cents bigint NOT NULL,"
                    + " created_at timestamptz NOT NULL DEFAULT now())",
            "CREATE INDEX IF NOT EXISTS orders_by_customer ON orders (customer_id)",
            "CREATE TABLE IF NOT EXISTS products (id bigint PRIMARY KEY, name text NOT NULL,"
                    + " price_cents bigint NOT NULL, version bigint NOT NULL)",
            "CREATE TABLE IF NOT EXISTS profiles (customer_id bigint PRIMARY KEY, value jsonb NOT NULL, version bigint NOT NULL)",
            "CREATE TABLE IF NOT EXISTS carts (customer_id bigint PRIMARY KEY, value jsonb NOT NULL, version bigint NOT NULL)",
            "CREATE TABLE IF NOT EXISTS product_views (product_id bigint PRIMARY KEY, value jsonb NOT NULL, version bigint NOT NULL)");

    /** The table rules Strata routes by. */
    public static final List<TableRule> RULES = List.of(
            TableRule.sharded("customers", "id", KeyType.LONG),
            TableRule.sharded("orders", "customer_id", KeyType.LONG),
            TableRule.sharded("profiles", "customer_id", KeyType.LONG),
            TableRule.sharded("carts", "customer_id", KeyType.LONG),
            TableRule.sharded("product_views", "product_id", KeyType.LONG),
            TableRule.broadcast("products"));

    private ShopSchema() {}

    /** Adds the table rules to a data source builder. */
    public static ShardingDataSource.Builder rules(ShardingDataSource.Builder builder) {
        RULES.forEach(builder::table);
        return builder;
    }

    /** Creates the tables (if missing) and the catalogue and customers (if missing). */
    public static void create(DataSource shop, int customers, int products) throws SQLException {
        try (Connection c = shop.getConnection();
                Statement st = c.createStatement()) {
            for (String ddl : DDL) {
                st.execute(ddl);
            }
        }
        try (Connection c = shop.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO products (id, name, price_cents, version) VALUES (?, ?, ?, 1) ON CONFLICT (id) DO NOTHING")) {
            for (long id = 1; id <= products; id++) {
                ps.setLong(1, id);
                ps.setString(2, "product-" + id);
                ps.setLong(3, 100 + id * 37 % 9_900);
                ps.addBatch();
            }
            ps.executeBatch();
        }
        try (Connection c = shop.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO customers (id, name, email) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING")) {
            for (long id = 1; id <= customers; id++) {
                ps.setLong(1, id);
                ps.setString(2, "customer-" + id);
                ps.setString(3, "customer-" + id + "@shop.example");
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }
}
