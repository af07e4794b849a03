package io.strata.cache.internal.hazelcast;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.strata.cache.internal.CorruptEntryException;
import io.strata.cache.internal.Entry;
import io.strata.cache.internal.EntryCodec;
import io.strata.cache.internal.TierContext;
import io.strata.cache.internal.TierStore;
import java.time.Clock;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * L2: an {@code IMap<String, byte[]>} of encoded entries keyed by the encoded cache key, each with
 * a Hazelcast TTL equal to the entry's remaining life. Single-key calls are asynchronous with the
 * cache's tier timeout. Bytes that do not decode are deleted and counted, and read as a miss.
 */
public final class HazelcastTierStore<K, V> implements TierStore<K, V> {

    private final TierContext<K, V> context;
    private final IMap<String, byte[]> map;
    private final EntryCodec<V> codec;
    private final Clock clock;
    private final long timeoutMillis;
    /** Runs the calls Hazelcast offers no async form of, so that they too wait at most the timeout. */
    private final java.util.concurrent.ThreadPoolExecutor blocking = new java.util.concurrent.ThreadPoolExecutor(
            0, 16, 30, TimeUnit.SECONDS, new java.util.concurrent.SynchronousQueue<>(), r -> {
                Thread t = new Thread(r, "strata-hazelcast-tier");
                t.setDaemon(true);
                return t;
            });

    public HazelcastTierStore(TierContext<K, V> context, HazelcastInstance hazelcast, String mapName) {
        this.context = context;
        this.map = hazelcast.getMap(mapName);
        this.codec = context.entryCodec();
        this.clock = context.config().clock();
        this.timeoutMillis = context.config().tierTimeout().toMillis();
    }

    @Override
    public String name() {
        return "hazelcast";
    }

    @Override
    public boolean remote() {
        return true;
    }

    /** The underlying map, for tests. */
    public IMap<String, byte[]> map() {
        return map;
    }

    private <T> T await(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("hazelcast call timed out after " + timeoutMillis + " ms", e);
        }
    }

    private <T> T timed(java.util.function.Supplier<T> call) {
        return await(java.util.concurrent.CompletableFuture.supplyAsync(call, blocking));
    }

    private @Nullable Entry<V> decode(String key, byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        try {
            return codec.decode(bytes);
        } catch (CorruptEntryException e) {
            context.metrics().decodeFailure(name());
            map.remove(key, bytes);
            return null;
        }
    }

    @Override
    public @Nullable Entry<V> get(K key) {
        String k = context.keyString(key);
        return decode(k, await(map.getAsync(k)));
    }

    @Override
    public Map<K, Entry<V>> getAll(Collection<K> keys) {
        Map<String, K> byString = new LinkedHashMap<>();
        for (K key : keys) {
            byString.put(context.keyString(key), key);
        }
        Map<String, byte[]> raw = timed(() -> map.getAll(byString.keySet()));
        Map<K, Entry<V>> result = new HashMap<>();
        for (Map.Entry<String, byte[]> r : raw.entrySet()) {
            Entry<V> e = decode(r.getKey(), r.getValue());
            if (e != null) {
                result.put(byString.get(r.getKey()), e);
            }
        }
        return result;
    }

    /** Stores {@code entry} unless the map holds a higher version of {@code key} ({@link PutIfNewer}). */
    @Override
    public void put(K key, Entry<V> entry) {
        await(map.submitToKey(
                context.keyString(key), new PutIfNewer(codec.encode(entry), entry.ttlMillis(clock.millis()))));
    }

    @Override
    public void putIfAbsent(K key, Entry<V> entry) {
        timed(() -> {
            putIfAbsentNow(key, entry);
            return null;
        });
    }

    private void putIfAbsentNow(K key, Entry<V> entry) {
        String k = context.keyString(key);
        byte[] bytes = codec.encode(entry);
        long ttl = entry.ttlMillis(clock.millis());
        byte[] old = map.putIfAbsent(k, bytes, ttl, TimeUnit.MILLISECONDS);
        if (old != null) {
            Entry<V> current = decode(k, old);
            if (current == null || !current.alive(clock.millis())) {
                if (map.replace(k, old, bytes)) {
                    map.setTtl(k, ttl, TimeUnit.MILLISECONDS);
                }
            }
        }
    }

    @Override
    public void invalidate(K key) {
        await(map.deleteAsync(context.keyString(key)));
    }

    @Override
    public void invalidateAll() {
        timed(() -> {
            map.clear();
            return null;
        });
    }

    @Override
    public void close() {
        blocking.shutdown();
    }
}
