/**
 * Cross-shard coordination kept in the database: two-phase commit with its coordinator log and
 * crash recovery, and the node-id leases behind {@code IdGenerator}.
 */
package io.strata.router.internal.txn;
