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
    /**
     * Slot moved or fenced ("MOVED"): raised by a shard's {@code strata_meta.fence()} trigger for a
     * write to a slot it no longer owns or that is being cut over, and by the router for a write to
     * a slot its map marks as moving. The router reloads the map and retries where safe; otherwise
     * the application retries its transaction.
     */
    public static final String SLOT_MOVED = "SR020";
    /** DDL refused while a slot move is in progress (the map's {@code moving} is set). */
    public static final String DDL_DURING_MOVE = "SR021";
    /** The shard-map lease expired: the member could not refresh its map within {@code lease}. */
    public static final String MAP_LEASE_EXPIRED = "SR022";
    /** A slot move was rejected or failed (bad plan, missing schema, drain deadline exceeded). */
    public static final String MOVE_FAILED = "SR023";

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
