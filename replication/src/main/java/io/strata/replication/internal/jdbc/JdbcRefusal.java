package io.strata.replication.internal.jdbc;

import java.sql.SQLClientInfoException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Map;

/**
 * How one family of JDBC wrappers refuses a method it does not support: the SQLState (each module
 * has its own, never {@code 0A000}, which pools take for a broken connection) and the message
 * around the method's name, {@code prefix + method + suffix}.
 */
public final class JdbcRefusal {

    private final String sqlState;
    private final String prefix;
    private final String suffix;

    /**
     * A refusal with SQLState {@code sqlState} and the message {@code prefix + method + suffix}.
     *
     * @throws IllegalArgumentException if {@code sqlState} is not five characters
     */
    public JdbcRefusal(String sqlState, String prefix, String suffix) {
        if (sqlState.length() != 5) {
            throw new IllegalArgumentException("sqlState must have 5 characters but was '" + sqlState + "'");
        }
        this.sqlState = sqlState;
        this.prefix = prefix;
        this.suffix = suffix;
    }

    /** The SQLState of every refusal. */
    public String sqlState() {
        return sqlState;
    }

    /** The refusal of {@code method} (a method name, possibly with its arguments). */
    public SQLFeatureNotSupportedException unsupported(String method) {
        return new SQLFeatureNotSupportedException(prefix + method + suffix, sqlState);
    }

    /** The refusal of {@code Connection.setClientInfo}, which JDBC declares with its own exception. */
    public SQLClientInfoException clientInfo() {
        return new SQLClientInfoException(prefix + "client info" + suffix, sqlState, Map.of());
    }
}
