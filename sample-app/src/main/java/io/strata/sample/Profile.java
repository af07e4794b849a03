package io.strata.sample;

/**
 * A customer's profile (cached write-through).
 *
 * @param customerId the customer
 * @param displayName the name shown
 * @param tier the loyalty tier
 * @param revision grows with every update, so a read can be compared with the last write
 */
public record Profile(long customerId, String displayName, String tier, long revision) {}
