package io.strata.cache.internal.hazelcast;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import com.hazelcast.map.IMap;
import io.strata.cache.internal.LoadLease;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Leases as entries of an {@code IMap} with a TTL: {@code putIfAbsent} takes one; a load lease is
 * taken and given back by entry processors (one operation on the partition owner each), the release
 * leaving a {@code done:<millis>} marker.
 */
final class HazelcastLoadLease implements LoadLease {

    private static final String DONE = "done:";

    private final IMap<String, String> leases;
    private final String holder = UUID.randomUUID().toString();

    HazelcastLoadLease(HazelcastInstance hazelcast, String mapName) {
        this.leases = hazelcast.getMap(mapName);
    }

    @Override
    public boolean tryAcquire(String name, Duration holdTime) {
        return leases.putIfAbsent(name, holder, Math.max(1, holdTime.toMillis()), TimeUnit.MILLISECONDS) == null;
    }

    @Override
    public Outcome tryAcquireAfter(String name, Duration holdTime, long sinceMillis) {
        return leases.executeOnKey(name, new Acquire(holder, Math.max(1, holdTime.toMillis()), sinceMillis));
    }

    @Override
    public void release(String name, long nowMillis, Duration markerTime) {
        leases.executeOnKey(name, new Release(holder, DONE + nowMillis, Math.max(1, markerTime.toMillis())));
    }

    /** Takes the lease if it is free or was released before {@code since}. */
    static final class Acquire implements EntryProcessor<String, String, Outcome> {
        private static final long serialVersionUID = 1L;
        private final String holder;
        private final long ttlMillis;
        private final long since;

        Acquire(String holder, long ttlMillis, long since) {
            this.holder = holder;
            this.ttlMillis = ttlMillis;
            this.since = since;
        }

        @Override
        public Outcome process(Map.Entry<String, String> entry) {
            String current = entry.getValue();
            if (current != null && !current.startsWith(DONE)) {
                return Outcome.HELD;
            }
            if (current != null && releasedAt(current) >= since) {
                return Outcome.RELEASED_SINCE;
            }
            ((ExtendedMapEntry<String, String>) entry).setValue(holder, ttlMillis, TimeUnit.MILLISECONDS);
            return Outcome.ACQUIRED;
        }
    }

    /** Replaces this holder's lease with a release marker. */
    static final class Release implements EntryProcessor<String, String, Boolean> {
        private static final long serialVersionUID = 1L;
        private final String holder;
        private final String marker;
        private final long ttlMillis;

        Release(String holder, String marker, long ttlMillis) {
            this.holder = holder;
            this.marker = marker;
            this.ttlMillis = ttlMillis;
        }

        @Override
        public Boolean process(Map.Entry<String, String> entry) {
            if (!holder.equals(entry.getValue())) {
                return false;
            }
            ((ExtendedMapEntry<String, String>) entry).setValue(marker, ttlMillis, TimeUnit.MILLISECONDS);
            return true;
        }
    }

    private static long releasedAt(String marker) {
        try {
            return Long.parseLong(marker.substring(DONE.length()));
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE; // not ours: read the tiers again rather than guess
        }
    }
}
