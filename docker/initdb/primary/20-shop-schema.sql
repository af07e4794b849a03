-- The shop's tables on every shard (the same statements as io.strata.sample.ShopSchema.DDL;
-- DockerTopologyTest checks that they agree). Runs once, when a primary is initialized.
CREATE TABLE IF NOT EXISTS customers (id bigint PRIMARY KEY, name text NOT NULL, email text NOT NULL);
CREATE TABLE IF NOT EXISTS orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL, product_id bigint NOT NULL, quantity int NOT NULL, amount_cents bigint NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX IF NOT EXISTS orders_by_customer ON orders (customer_id);
CREATE TABLE IF NOT EXISTS products (id bigint PRIMARY KEY, name text NOT NULL, price_cents bigint NOT NULL, version bigint NOT NULL);
CREATE TABLE IF NOT EXISTS profiles (customer_id bigint PRIMARY KEY, value jsonb NOT NULL, version bigint NOT NULL);
CREATE TABLE IF NOT EXISTS carts (customer_id bigint PRIMARY KEY, value jsonb NOT NULL, version bigint NOT NULL);
CREATE TABLE IF NOT EXISTS product_views (product_id bigint PRIMARY KEY, value jsonb NOT NULL, version bigint NOT NULL);
