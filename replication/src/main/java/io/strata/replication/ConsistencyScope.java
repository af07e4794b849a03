package io.strata.replication;

/**
 * A consistency that holds on the current thread until closed; opened by
 * {@link ReplicaSetDataSource#withConsistency}. Scopes nest; closing restores the enclosing one.
 *
 * <pre>{@code
 * try (ConsistencyScope s = ds.withConsistency(Consistency.STRONG)) {
 *     repository.load(id);   // every read on this thread, through ds, goes to the primary
 * }
 * }</pre>
 */
public interface ConsistencyScope extends AutoCloseable {

    /** The consistency this scope sets. */
    Consistency consistency();

    /** Ends the scope on this thread. Must be called on the thread that opened it. */
    @Override
    void close();
}
