package io.strata.sample;

/** A catalogue entry (the broadcast table {@code products}, cached with refresh-ahead). */
public record Product(long id, String name, long priceCents, long version) {
}
