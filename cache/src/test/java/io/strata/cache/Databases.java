package io.strata.cache;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.strata.testkit.PgServer;

/** Small pools on a testkit server. */
public final class Databases {

    private Databases() {}

    public static HikariDataSource pool(PgServer server, int size) {
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl(server.jdbcUrl());
        c.setUsername(server.user());
        c.setMaximumPoolSize(size);
        c.setMinimumIdle(0);
        c.setConnectionTimeout(2_000);
        c.setValidationTimeout(1_000);
        c.setInitializationFailTimeout(-1);
        return new HikariDataSource(c);
    }

    /** Creates (or empties) {@code table (id bigint primary key, value jsonb, version bigint)}. */
    public static void table(PgServer server, String table) {
        server.execute("CREATE TABLE IF NOT EXISTS " + table
                + " (id bigint PRIMARY KEY, value jsonb NOT NULL, version bigint NOT NULL)");
        server.execute("TRUNCATE " + table);
    }
}
