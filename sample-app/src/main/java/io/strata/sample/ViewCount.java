package io.strata.sample;

/**
 * How often a product page was viewed (a write-behind counter).
 *
 * @param productId the product
 * @param views page views counted
 */
public record ViewCount(long productId, long views) {

    /** One more view. */
    public ViewCount plusOne() {
        return new ViewCount(productId, views + 1);
    }
}
