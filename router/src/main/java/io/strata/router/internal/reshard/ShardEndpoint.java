package io.strata.router.internal.reshard;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Objects;
import java.util.Properties;
import org.jspecify.annotations.Nullable;

/**
 * How the mover reaches one shard's primary: a pgjdbc URL and credentials. The mover opens plain
 * connections of its own (never the application's pools), and the target of a move uses the
 * same address, as a libpq connection string, for its subscription to the source.
 */
public record ShardEndpoint(
        String name,
        String jdbcUrl,
        @Nullable String user,
        @Nullable String password) {

    public ShardEndpoint {
        Objects.requireNonNull(name, "name cannot be null");
        Objects.requireNonNull(jdbcUrl, "jdbcUrl cannot be null");
        if (!jdbcUrl.startsWith("jdbc:postgresql://")) {
            throw new IllegalArgumentException("jdbcUrl of shard " + name
                    + " must be a jdbc:postgresql://host:port/db URL but was '" + jdbcUrl + "'");
        }
    }

    /** A new connection to the primary, autocommit on. */
    public Connection connect() throws SQLException {
        Properties p = new Properties();
        if (user != null) {
            p.setProperty("user", user);
        }
        if (password != null) {
            p.setProperty("password", password);
        }
        p.setProperty("ApplicationName", "strata-mover");
        Connection c = DriverManager.getConnection(jdbcUrl, p);
        c.setAutoCommit(true);
        return c;
    }

    /**
     * The libpq connection string of the primary ({@code host=... port=... dbname=... user=...
     * password=...}), each value quoted as libpq reads it, for {@code CREATE SUBSCRIPTION}.
     */
    public String conninfo() {
        String rest = jdbcUrl.substring("jdbc:postgresql://".length());
        int q = rest.indexOf('?');
        String hostPart = q < 0 ? rest : rest.substring(0, q);
        int slash = hostPart.indexOf('/');
        String hostPort = slash < 0 ? hostPart : hostPart.substring(0, slash);
        String db = slash < 0 ? "" : hostPart.substring(slash + 1);
        if (hostPort.contains(",")) {
            hostPort = hostPort.substring(0, hostPort.indexOf(','));
        }
        String host = hostPort;
        String port = "5432";
        int colon = hostPort.lastIndexOf(':');
        if (colon > 0 && !hostPort.endsWith("]")) {
            host = hostPort.substring(0, colon);
            port = hostPort.substring(colon + 1);
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        StringBuilder s = new StringBuilder();
        s.append("host=").append(quote(host)).append(" port=").append(quote(port));
        if (!db.isEmpty()) {
            s.append(" dbname=").append(quote(db));
        }
        if (user != null) {
            s.append(" user=").append(quote(user));
        }
        if (password != null) {
            s.append(" password=").append(quote(password));
        }
        s.append(" application_name=").append(quote("strata-mover"));
        return s.toString();
    }

    private static String quote(String v) {
        return "'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    @Override
    public String toString() {
        return "ShardEndpoint[" + name + ", " + jdbcUrl + ", user=" + user + "]"; // never the password
    }
}
