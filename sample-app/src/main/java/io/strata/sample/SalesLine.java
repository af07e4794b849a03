package io.strata.sample;

/**
 * One row of the sales report: a product and what it sold across every shard.
 *
 * @param productId the product
 * @param orders how many orders
 * @param revenueCents their total in cents
 */
public record SalesLine(long productId, long orders, long revenueCents) {}
