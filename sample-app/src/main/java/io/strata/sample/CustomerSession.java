package io.strata.sample;

import io.strata.replication.ConsistencyToken;

/**
 * What one customer's session remembers between requests: its consistency token (the commit
 * LSNs of its writes, per shard) and what it last wrote, so that later reads can be checked.
 * Used by one workload thread at a time.
 */
final class CustomerSession {

    final long customerId;
    ConsistencyToken token = ConsistencyToken.empty();
    /** Orders the customer had before this run (read from the primary at the first use). */
    long ordersBefore = -1;
    long ordersPlaced;
    long profileRevision;
    long cartRevision;

    CustomerSession(long customerId) {
        this.customerId = customerId;
    }
}
