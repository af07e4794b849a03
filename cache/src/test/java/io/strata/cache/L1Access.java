package io.strata.cache;

import io.strata.cache.internal.CaffeineTierStore;
import io.strata.cache.internal.DefaultTieredCache;

/** Reaches into a cache's L1 for tests. */
final class L1Access {

    private L1Access() {}

    /** Runs Caffeine's pending maintenance (evictions) now. */
    static void cleanUp(TieredCache<?, ?> cache) {
        ((CaffeineTierStore<?, ?>) ((DefaultTieredCache<?, ?>) cache).tiers().get(0))
                .caffeine()
                .cleanUp();
    }
}
