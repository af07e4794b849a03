package io.strata.sample;

import io.strata.replication.ConsistencyToken;

/**
 * What one customer's session remembers between requests: its consistency token (the commit
 * LSNs of its writes, per shard) in the string form a service would put in a cookie or header, and
 * what it last wrote, so that later reads can be checked. Used by one workload thread at a time.
 */
final class CustomerSession {

    final long customerId;
    /** The token as the client holds it ({@link ConsistencyToken#toString()}), e.g. {@code shard0:0/3A1B2C8}. */
    private String tokenCookie = "";
    /** Orders the customer had before this run (read from the primary at the first use). */
    long ordersBefore = -1;

    long ordersPlaced;
    long profileRevision;
    long cartRevision;

    CustomerSession(long customerId) {
        this.customerId = customerId;
    }

    /** The token the client sent back with its request. */
    ConsistencyToken token() {
        return ConsistencyToken.parse(tokenCookie);
    }

    /** Hands the client its new token. */
    void token(ConsistencyToken token) {
        tokenCookie = token.toString();
    }
}
