package io.strata.cache.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.util.ArrayList;
import java.util.List;

/**
 * The ordered tiers of one cache, nearest first, with every remote tier behind a
 * {@link GuardedTier}. Writes go from the farthest tier to the nearest, so that a nearer tier is
 * never newer than a farther one for long (a concurrent reader that misses L1 finds the new value
 * below).
 */
public final class TierChain<K, V> implements AutoCloseable {

    private final List<TierStore<K, V>> tiers;
    private final CaffeineTierStore<K, V> local;
    private final List<GuardedTier<K, V>> remotes;

    public TierChain(String cacheName, List<TierStore<K, V>> opened, CacheConfig<K, V> config, CacheMetrics metrics) {
        List<TierStore<K, V>> list = new ArrayList<>();
        List<GuardedTier<K, V>> guarded = new ArrayList<>();
        CaffeineTierStore<K, V> l1 = null;
        for (TierStore<K, V> t : opened) {
            if (t instanceof CaffeineTierStore<K, V> c) {
                l1 = c;
                list.add(c);
            } else {
                CircuitBreaker breaker = CircuitBreaker.of(cacheName + "." + t.name(), config.circuitBreaker());
                GuardedTier<K, V> g = new GuardedTier<>(t, breaker, metrics);
                guarded.add(g);
                list.add(g);
            }
        }
        this.tiers = List.copyOf(list);
        this.local = l1;
        this.remotes = List.copyOf(guarded);
    }

    public List<TierStore<K, V>> all() {
        return tiers;
    }

    public int size() {
        return tiers.size();
    }

    public TierStore<K, V> get(int index) {
        return tiers.get(index);
    }

    /** L1, or {@code null} if the cache has none. */
    public CaffeineTierStore<K, V> local() {
        return local;
    }

    public boolean hasRemote() {
        return !remotes.isEmpty();
    }

    /** Copies an entry found in tier {@code foundAt} into the tiers above it (remote ones only if absent). */
    public void promote(K key, Entry<V> e, int foundAt) {
        for (int j = foundAt - 1; j >= 0; j--) {
            TierStore<K, V> t = tiers.get(j);
            if (t.remote()) {
                t.putIfAbsent(key, e);
            } else {
                t.put(key, e);
            }
        }
    }

    /** A fresh entry from the shared (remote) tiers, promoted into the tiers above it; else {@code null}. */
    public Entry<V> sharedFresh(K key, long now) {
        for (int i = 0; i < tiers.size(); i++) {
            TierStore<K, V> t = tiers.get(i);
            if (!t.remote()) {
                continue;
            }
            Entry<V> e = t.get(key);
            if (e != null && e.fresh(now)) {
                promote(key, e, i);
                return e;
            }
        }
        return null;
    }

    /** Overwrites {@code key} in every tier (a put or a refresh). */
    public void put(K key, Entry<V> e) {
        for (int i = tiers.size() - 1; i >= 0; i--) {
            tiers.get(i).put(key, e);
        }
    }

    /** Stores a loaded entry in every tier without overwriting anything live (a racing put wins). */
    public void putIfAbsent(K key, Entry<V> e) {
        for (int i = tiers.size() - 1; i >= 0; i--) {
            tiers.get(i).putIfAbsent(key, e);
        }
    }

    public void invalidate(K key) {
        for (int i = tiers.size() - 1; i >= 0; i--) {
            tiers.get(i).invalidate(key);
        }
    }

    public void invalidateAll() {
        for (int i = tiers.size() - 1; i >= 0; i--) {
            tiers.get(i).invalidateAll();
        }
    }

    /** Deletes, in each remote tier that answers again, the keys whose writes it missed. */
    public void payDebts() {
        for (GuardedTier<K, V> g : remotes) {
            if (g.inDebt()) {
                g.payDebt();
            }
        }
    }

    @Override
    public void close() {
        tiers.forEach(TierStore::close);
    }
}
