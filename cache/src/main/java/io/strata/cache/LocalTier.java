package io.strata.cache;

import com.github.benmanes.caffeine.cache.Weigher;
import io.strata.cache.internal.CaffeineTierStore;
import io.strata.cache.internal.TierContext;
import io.strata.cache.internal.TierStore;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The in-process tier: a Caffeine cache bounded by size or weight, with its own time-to-live. The
 * L1 time-to-live is also the backstop of cross-member staleness (see the README), so keep it short.
 */
public final class LocalTier extends Tier {

    private final long maximumSize;
    private final long maximumWeight;
    private final @Nullable Weigher<Object, Object> weigher;
    private final Duration expireAfterWrite;

    private LocalTier(Builder builder) {
        this.maximumSize = builder.maximumSize;
        this.maximumWeight = builder.maximumWeight;
        this.weigher = builder.weigher;
        this.expireAfterWrite = builder.expireAfterWrite;
    }

    /** A builder: 10,000 entries and 1 minute by default. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String name() {
        return "caffeine";
    }

    @Override
    public boolean remote() {
        return false;
    }

    @Override
    <K, V> TierStore<K, V> open(TierContext<K, V> context) {
        return new CaffeineTierStore<>(context, maximumSize, maximumWeight, weigher, expireAfterWrite);
    }

    /** Builds a {@link LocalTier}. */
    public static final class Builder {
        private long maximumSize = 10_000;
        private long maximumWeight = -1;
        private @Nullable Weigher<Object, Object> weigher;
        private Duration expireAfterWrite = Duration.ofMinutes(1);

        private Builder() {}

        /** At most {@code maximumSize} entries (exclusive with {@link #maximumWeight}). */
        public Builder maximumSize(long maximumSize) {
            if (maximumSize <= 0) {
                throw new IllegalArgumentException("maximumSize must be > 0, was " + maximumSize);
            }
            this.maximumSize = maximumSize;
            this.maximumWeight = -1;
            this.weigher = null;
            return this;
        }

        /** At most {@code maximumWeight} in total, each value weighed by {@code weigher}. */
        @SuppressWarnings("unchecked")
        public <K, V> Builder maximumWeight(long maximumWeight, Weigher<? super K, ? super V> weigher) {
            if (maximumWeight <= 0) {
                throw new IllegalArgumentException("maximumWeight must be > 0, was " + maximumWeight);
            }
            this.weigher = (Weigher<Object, Object>) Objects.requireNonNull(weigher, "weigher cannot be null");
            this.maximumWeight = maximumWeight;
            this.maximumSize = -1;
            return this;
        }

        /**
         * How long an entry stays in L1 after it was put there (never longer than the entry's own
         * life). Not jittered: the cache's TTL is.
         */
        public Builder expireAfterWrite(Duration expireAfterWrite) {
            Objects.requireNonNull(expireAfterWrite, "expireAfterWrite cannot be null");
            if (expireAfterWrite.isNegative() || expireAfterWrite.isZero()) {
                throw new IllegalArgumentException("expireAfterWrite must be > 0, was " + expireAfterWrite);
            }
            this.expireAfterWrite = expireAfterWrite;
            return this;
        }

        /** The tier. */
        public LocalTier build() {
            return new LocalTier(this);
        }
    }
}
