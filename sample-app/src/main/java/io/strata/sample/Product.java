package io.strata.sample;

/**
 * A catalogue entry (the broadcast table {@code products}, cached with refresh-ahead).
 *
 * @param id the product id
 * @param name its name
 * @param priceCents its price in cents
 * @param version grows with every change of the row
 */
public record Product(long id, String name, long priceCents, long version) {}
