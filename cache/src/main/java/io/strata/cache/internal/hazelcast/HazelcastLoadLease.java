package io.strata.cache.internal.hazelcast;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.strata.cache.internal.LoadLease;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/** Leases as entries of an {@code IMap} with a TTL: {@code putIfAbsent} takes one, a conditional remove gives it back. */
final class HazelcastLoadLease implements LoadLease {

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
    public void release(String name) {
        leases.remove(name, holder);
    }
}
