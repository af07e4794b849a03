package io.strata.cache;

import com.hazelcast.core.HazelcastInstance;
import io.strata.cache.internal.TierContext;
import io.strata.cache.internal.TierStore;
import io.strata.cache.internal.hazelcast.HazelcastTierStore;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The cluster tier: a Hazelcast {@code IMap} of encoded entries on a member or a client instance
 * that the caller owns (and shuts down). The map is named {@code strata-cache.<cache name>} unless
 * set; its backups and eviction are whatever the caller's Hazelcast config says for that name.
 */
public final class HazelcastTier extends Tier {

    private final HazelcastInstance hazelcast;
    private final @Nullable String mapName;

    private HazelcastTier(HazelcastInstance hazelcast, @Nullable String mapName) {
        this.hazelcast = hazelcast;
        this.mapName = mapName;
    }

    /** A tier on {@code hazelcast} with the default map name. */
    public static HazelcastTier of(HazelcastInstance hazelcast) {
        return new HazelcastTier(Objects.requireNonNull(hazelcast, "hazelcast cannot be null"), null);
    }

    /** The same tier on an explicitly named map. */
    public HazelcastTier mapName(String mapName) {
        Objects.requireNonNull(mapName, "mapName cannot be null");
        if (mapName.isBlank()) {
            throw new IllegalArgumentException("mapName cannot be blank, was '" + mapName + "'");
        }
        return new HazelcastTier(hazelcast, mapName);
    }

    @Override
    public String name() {
        return "hazelcast";
    }

    @Override
    public boolean remote() {
        return true;
    }

    @Override
    <K, V> TierStore<K, V> open(TierContext<K, V> context) {
        String name = mapName != null ? mapName : "strata-cache." + context.cacheName();
        return new HazelcastTierStore<>(context, hazelcast, name);
    }
}
