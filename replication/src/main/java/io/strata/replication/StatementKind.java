package io.strata.replication;

/** Whether a statement may write; the result of {@link SqlClassifier}. */
public enum StatementKind {
    /** Cannot write: may go to a replica in autocommit or in a read-only transaction. */
    READ,
    /** May write (or could not be shown not to): goes to the primary. */
    WRITE
}
