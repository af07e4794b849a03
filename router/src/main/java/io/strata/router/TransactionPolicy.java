package io.strata.router;

/** What a transaction that writes to more than one shard does at commit. */
public enum TransactionPolicy {
    /** Two-phase commit: PREPARE TRANSACTION on every written shard, then COMMIT PREPARED (default). */
    TWO_PHASE,
    /** A statement that would make a transaction write to a second shard fails; nothing is written there. */
    REJECT
}
