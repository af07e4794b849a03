package io.strata.sample;

/** One row of the sales report: a product and what it sold across every shard. */
public record SalesLine(long productId, long orders, long revenueCents) {
}
