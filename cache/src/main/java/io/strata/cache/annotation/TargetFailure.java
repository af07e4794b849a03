package io.strata.cache.annotation;

import org.jspecify.annotations.Nullable;

/**
 * The target method threw {@code cause}: carried out of a {@link io.strata.cache.TieredCache} load
 * (which counts it as the failed load it is, and hands it to every caller that joined the load) and
 * rethrown unchanged to the caller. No stack trace.
 */
final class TargetFailure extends RuntimeException {

    TargetFailure(@Nullable Throwable cause) {
        super(null, cause, false, false);
    }

    /** The target's exception inside {@code e} (a cache's load failure), or {@code null}. */
    static @Nullable TargetFailure in(RuntimeException e) {
        return e.getCause() instanceof TargetFailure f ? f : null;
    }
}
