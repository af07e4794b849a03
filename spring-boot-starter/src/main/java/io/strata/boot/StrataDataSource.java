package io.strata.boot;

import io.strata.replication.ConsistencyToken;
import io.strata.router.ShardingConnection;
import io.strata.router.ShardingDataSource;
import java.io.PrintWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * The application's {@link DataSource} when the starter builds Strata: a {@link ShardingDataSource}
 * (reach it with {@link #shardingDataSource()} or {@code unwrap(ShardingDataSource.class)}) whose
 * connections take part in read-your-writes across requests: each new connection requires the
 * {@link ConsistencyTokenContext} token of the current thread, and its own token (the commit LSNs of
 * its writes) is merged back into that context after each {@code commit()} and at {@code close()}.
 * No pool is wrapped around it: Strata pools each node's connections itself.
 */
public final class StrataDataSource implements DataSource, AutoCloseable {

    private final ShardingDataSource delegate;
    private final @Nullable ConsistencyTokenContext tokens;

    /** Wraps {@code delegate}; {@code tokens} null turns read-your-writes across requests off. */
    public StrataDataSource(ShardingDataSource delegate, @Nullable ConsistencyTokenContext tokens) {
        this.delegate = java.util.Objects.requireNonNull(delegate, "delegate cannot be null");
        this.tokens = tokens;
    }

    /** The sharding data source underneath. */
    public ShardingDataSource shardingDataSource() {
        return delegate;
    }

    @Override
    public Connection getConnection() throws SQLException {
        Connection c = delegate.getConnection();
        ConsistencyTokenContext context = tokens;
        if (context == null) {
            return c;
        }
        ShardingConnection sc = c.unwrap(ShardingConnection.class);
        ConsistencyToken required = context.current();
        if (!required.isEmpty()) {
            sc.requireToken(required);
        }
        return (Connection) Proxy.newProxyInstance(
                StrataDataSource.class.getClassLoader(),
                new Class<?>[] {Connection.class},
                new Capturing(c, sc, context));
    }

    /** Not supported: credentials are configured per shard. */
    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        return delegate.getConnection(username, password);
    }

    /** Closes the sharding data source (its pools and monitors). */
    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public @Nullable PrintWriter getLogWriter() {
        return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {}

    @Override
    public void setLoginTimeout(int seconds) {}

    @Override
    public int getLoginTimeout() {
        return 0;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return delegate.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        return delegate.unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this) || delegate.isWrapperFor(iface);
    }

    @Override
    public String toString() {
        return "StrataDataSource" + delegate.shards();
    }

    // Captures the connection's token after commit and at close (Hibernate and Spring may close
    // the connection before a transaction synchronization would run, so the connection is where
    // the token is sure to be seen).
    private static final class Capturing implements InvocationHandler {
        private final Connection target;
        private final ShardingConnection sharding;
        private final ConsistencyTokenContext context;

        Capturing(Connection target, ShardingConnection sharding, ConsistencyTokenContext context) {
            this.target = target;
            this.sharding = sharding;
            this.context = context;
        }

        @Override
        public @Nullable Object invoke(Object proxy, Method method, Object @Nullable [] args) throws Throwable {
            String name = method.getName();
            if (name.equals("close") && !target.isClosed()) {
                capture();
            }
            if (name.equals("equals") && args != null) {
                return proxy == args[0];
            }
            if (name.equals("hashCode") && args == null) {
                return System.identityHashCode(proxy);
            }
            Object result;
            try {
                result = method.invoke(target, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
            if (name.equals("commit")) {
                capture();
            }
            return result;
        }

        private void capture() {
            context.observe(sharding.token());
        }
    }
}
