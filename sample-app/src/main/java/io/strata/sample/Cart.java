package io.strata.sample;

import java.util.ArrayList;
import java.util.List;

/**
 * A customer's cart (cached write-behind). {@code revision} grows with every change, so a
 * stored cart can be compared with the last one whose write was acknowledged.
 *
 * @param customerId the customer
 * @param productIds the products in the cart, oldest first
 * @param revision grows with every change
 */
public record Cart(long customerId, List<Long> productIds, long revision) {

    /** An empty cart. */
    public static Cart empty(long customerId) {
        return new Cart(customerId, List.of(), 0);
    }

    /** This cart with one more product (the oldest dropped beyond 20 items). */
    public Cart add(long productId) {
        List<Long> items = new ArrayList<>(productIds);
        items.add(productId);
        if (items.size() > 20) {
            items.remove(0);
        }
        return new Cart(customerId, List.copyOf(items), revision + 1);
    }
}
