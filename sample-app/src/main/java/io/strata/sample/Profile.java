package io.strata.sample;

/** A customer's profile (cached write-through); {@code revision} grows with every update. */
public record Profile(long customerId, String displayName, String tier, long revision) {
}
