package io.strata.router;

import io.strata.router.internal.config.YamlConfig;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * The {@code jdbc:strata:} JDBC driver, registered through {@link java.util.ServiceLoader}. The URL
 * names a YAML configuration: {@code jdbc:strata:/etc/app/strata.yaml} or
 * {@code jdbc:strata:classpath:strata.yaml}. The first connection for a URL starts a
 * {@link ShardingDataSource} (pools, replica monitors, two-phase recovery) that later connections
 * for the same URL share; {@link #shutdown(String)} closes it.
 */
public final class Driver implements java.sql.Driver {

    /** The URL prefix. */
    public static final String PREFIX = "jdbc:strata:";

    private final Map<String, ShardingDataSource> dataSources = new ConcurrentHashMap<>();

    static {
        try {
            DriverManager.registerDriver(new Driver());
        } catch (SQLException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** A driver; JDBC's DriverManager creates and registers one. */
    public Driver() {}

    @Override
    public @Nullable Connection connect(String url, Properties info) throws SQLException {
        if (!acceptsURL(url)) {
            return null;
        }
        return dataSource(url).getConnection();
    }

    /** The data source behind a URL, started on first use. */
    public ShardingDataSource dataSource(String url) throws SQLException {
        if (!acceptsURL(url)) {
            throw new SQLException("Strata: not a jdbc:strata: URL: " + url, "08001");
        }
        ShardingDataSource ds = dataSources.get(url);
        if (ds != null) {
            return ds;
        }
        synchronized (this) {
            ds = dataSources.get(url);
            if (ds == null) {
                ds = YamlConfig.load(url.substring(PREFIX.length())).build();
                dataSources.put(url, ds);
            }
            return ds;
        }
    }

    /** Closes the data source started for {@code url} on every driver instance registered. */
    public static void shutdown(String url) throws SQLException {
        java.util.Enumeration<java.sql.Driver> drivers = DriverManager.getDrivers();
        while (drivers.hasMoreElements()) {
            if (drivers.nextElement() instanceof Driver d) {
                ShardingDataSource ds = d.dataSources.remove(url);
                if (ds != null) {
                    ds.close();
                }
            }
        }
    }

    @Override
    public boolean acceptsURL(String url) {
        return url != null && url.startsWith(PREFIX) && url.length() > PREFIX.length();
    }

    @Override
    public DriverPropertyInfo[] getPropertyInfo(String url, Properties info) {
        return new DriverPropertyInfo[0];
    }

    @Override
    public int getMajorVersion() {
        return 0;
    }

    @Override
    public int getMinorVersion() {
        return 1;
    }

    @Override
    public boolean jdbcCompliant() {
        return false;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException("Strata logs through slf4j", "SR009"); // SR009: see README
    }
}
