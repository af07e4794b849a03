package io.strata.router.internal;

import io.strata.replication.internal.jdbc.JdbcRefusal;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;

/**
 * Strata's own SQLState family, class {@code SR}, for every statement the router refuses to route
 * and every JDBC method it does not support. No connection pool treats these as a broken
 * connection (HikariCP evicts on {@code 08xxx}, {@code 0A000}, {@code 57P01..3}, {@code 01002},
 * {@code JZ0C0/1}), so a refused statement leaves the application's connection in its pool. The
 * table is documented in the router README; keep the two in step.
 */
public final class SqlStates {

    /** The statement's shape cannot be answered exactly across shards (joins, subqueries, merges). */
    public static final String SHAPE_NOT_SUPPORTED = "SR001";
    /** No usable shard key: a keyless write, an INSERT without its key, a key that is not a value. */
    public static final String NO_SHARD_KEY = "SR002";
    /** The statement would change a row's shard key (move it between shards). */
    public static final String CHANGES_SHARD_KEY = "SR003";
    /** A table without a table rule while unknown tables are rejected. */
    public static final String NO_TABLE_RULE = "SR004";
    /** SQL that Strata's parser cannot read, so it cannot be routed safely. */
    public static final String CANNOT_PARSE = "SR005";
    /** A shard hint that contradicts where the shard key routes. */
    public static final String HINT_CONFLICT = "SR006";
    /** Transaction or session control written as SQL text that the router does not replay. */
    public static final String TEXT_TX_CONTROL = "SR007";
    /** A transaction or savepoint that would span shards in a way the configuration does not allow. */
    public static final String CROSS_SHARD_TX = "SR008";
    /** A JDBC method or option that the router does not support. */
    public static final String UNSUPPORTED_JDBC = "SR009";
    /**
     * A statement's shard connections stayed busy past {@code connectionWait} (every permit of a
     * shard held by other logical connections); nothing was sent to any shard.
     */
    public static final String CONNECTIONS_BUSY = "SR010";

    /** How the router's logical connections and statements refuse a JDBC method (SR009). */
    public static final JdbcRefusal JDBC_REFUSAL =
            new JdbcRefusal(UNSUPPORTED_JDBC, "Strata: ", " is not supported by the sharding router");
    /** How a merged result refuses a {@code ResultSet} method (SR009). */
    public static final JdbcRefusal MERGED_RESULT_REFUSAL = new JdbcRefusal(
            UNSUPPORTED_JDBC, "Strata: ResultSet.", " is not supported on a merged (read-only, forward-only) result");

    private SqlStates() {}

    /** An unsupported JDBC method, as an {@link SQLFeatureNotSupportedException} with state SR009. */
    static SQLFeatureNotSupportedException unsupported(String message) {
        return new SQLFeatureNotSupportedException(message, UNSUPPORTED_JDBC);
    }

    /** A routing refusal of the given SR state. */
    static SQLException refused(String message, String state) {
        return new SQLException(message, state);
    }
}
