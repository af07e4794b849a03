package io.strata.replication;

import java.util.Optional;

/**
 * The Strata side of a connection from {@link ReplicaSetDataSource}: reach it with
 * {@code connection.unwrap(ReplicaSetConnection.class)}.
 *
 * <p>A logical connection binds physical connections lazily: nothing is borrowed until the
 * first statement runs, and each statement goes to the primary or to a replica (see
 * {@link ReplicaSetDataSource}). This interface lets a caller steer and observe that:
 *
 * <ul>
 *   <li>{@link #setConsistency}: the consistency of this connection's reads;</li>
 *   <li>{@link #token()}: the {@link ConsistencyToken} this connection has accumulated (the
 *       commit LSNs of its own writes, merged with every token passed to
 *       {@link #requireToken});</li>
 *   <li>{@link #requireToken}: makes reads on this connection under
 *       {@link Consistency#READ_YOUR_WRITES} wait for / pick nodes at or past the token's LSN for
 *       {@linkplain ReplicaSetDataSource#name() this set's name} (entries for other sets are
 *       kept, not used);</li>
 *   <li>{@link #lastNode()}: which node served the last statement.</li>
 * </ul>
 *
 * Like a JDBC connection, one instance is used by one thread at a time.
 */
public interface ReplicaSetConnection {

    /** The name of the replica set this connection belongs to. */
    String replicaSetName();

    /**
     * Sets this connection's consistency; {@code null} returns to inheriting (the innermost
     * {@link ConsistencyScope} of the calling thread, else the data source's default). An SQL
     * comment hint on a statement overrides it for that statement.
     */
    void setConsistency(Consistency consistency);

    /** The consistency reads on this connection use now (explicit, scope or default). */
    Consistency consistency();

    /** The token of this connection: its commits' LSNs merged with every required token. */
    ConsistencyToken token();

    /**
     * Merges {@code token} into what this connection requires for
     * {@link Consistency#READ_YOUR_WRITES} reads.
     */
    void requireToken(ConsistencyToken token);

    /** The name of the node that served the last statement, if any ran. */
    Optional<String> lastNode();
}
