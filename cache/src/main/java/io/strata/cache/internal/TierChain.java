package io.strata.cache.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The ordered tiers of one cache, nearest first, with every remote tier behind a
 * {@link GuardedTier}. Writes go from the farthest tier to the nearest, so that a nearer tier is
 * never newer than a farther one for long (a concurrent reader that misses L1 finds the new value
 * below).
 */
public final class TierChain<K, V> implements AutoCloseable {

    private final List<TierStore<K, V>> tiers;
    private final @Nullable CaffeineTierStore<K, V> local;
    private final List<GuardedTier<K, V>> remotes;
    private final KeyGenerations generations = new KeyGenerations();

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
    public @Nullable CaffeineTierStore<K, V> local() {
        return local;
    }

    public boolean hasRemote() {
        return !remotes.isEmpty();
    }

    /**
     * The generation of {@code key} now. Take it before reading a value that is to be installed
     * with {@link #promote}, {@link #installLoaded} or {@link #installRefreshed}.
     */
    public long stamp(K key) {
        return generations.stamp(key);
    }

    /**
     * Copies an entry found in tier {@code foundAt} into the tiers above it (remote ones only if
     * absent), unless {@code key} was invalidated since {@code stamp}.
     */
    public void promote(K key, Entry<V> e, int foundAt, long stamp) {
        long held = generations.beginInstall(key, stamp);
        if (held == 0) {
            return;
        }
        try {
            for (int j = foundAt - 1; j >= 0; j--) {
                TierStore<K, V> t = tiers.get(j);
                if (t.remote()) {
                    t.putIfAbsent(key, e);
                } else {
                    t.put(key, e);
                }
            }
        } finally {
            generations.endInstall(key, held);
        }
    }

    /**
     * A fresh entry from the shared (remote) tiers, promoted into the tiers above it unless
     * {@code key} was invalidated since {@code stamp}; else {@code null}.
     */
    public @Nullable Entry<V> sharedFresh(K key, long now, long stamp) {
        for (int i = 0; i < tiers.size(); i++) {
            TierStore<K, V> t = tiers.get(i);
            if (!t.remote()) {
                continue;
            }
            Entry<V> e = t.get(key);
            if (e != null && e.fresh(now)) {
                promote(key, e, i, stamp);
                return e;
            }
        }
        return null;
    }

    /**
     * Stores {@code key} in every tier (a put): each tier keeps the higher version of what it holds
     * and {@code e}, so of two racing puts the newer one stays everywhere, as in the store.
     */
    public void put(K key, Entry<V> e) {
        generations.written(key);
        for (int i = tiers.size() - 1; i >= 0; i--) {
            tiers.get(i).put(key, e);
        }
    }

    /**
     * Stores a loaded entry in every tier without overwriting anything live (a racing put wins),
     * unless {@code key} was invalidated since {@code stamp}; whether it was stored.
     */
    public boolean installLoaded(K key, Entry<V> e, long stamp) {
        long held = generations.beginInstall(key, stamp);
        if (held == 0) {
            return false;
        }
        try {
            for (int i = tiers.size() - 1; i >= 0; i--) {
                tiers.get(i).putIfAbsent(key, e);
            }
        } finally {
            generations.endInstall(key, held);
        }
        return true;
    }

    /**
     * Stores a reloaded entry in every tier as a put (tiers keep the higher version; give it the
     * version of the entry it replaces), unless {@code key} was invalidated or put since {@code stamp}.
     */
    public boolean installRefreshed(K key, Entry<V> e, long stamp) {
        long held = generations.beginInstall(key, stamp);
        if (held == 0) {
            return false;
        }
        try {
            for (int i = tiers.size() - 1; i >= 0; i--) {
                tiers.get(i).put(key, e);
            }
        } finally {
            generations.endInstall(key, held);
        }
        return true;
    }

    /** The version of the nearest entry of {@code key} in any tier, or 0. */
    public long version(K key) {
        for (TierStore<K, V> t : tiers) {
            Entry<V> e = t.get(key);
            if (e != null) {
                return e.version();
            }
        }
        return 0;
    }

    /**
     * Removes {@code key} from every tier. Once this returns, no load, promotion or refresh of
     * {@code key} that began before it installs anything in this member's tiers.
     */
    public void invalidate(K key) {
        generations.invalidate(key);
        for (int i = tiers.size() - 1; i >= 0; i--) {
            tiers.get(i).invalidate(key);
        }
    }

    /** Removes {@code key} from L1 only (another member changed it); loads under way here do not install. */
    public void invalidateLocal(K key) {
        generations.invalidate(key);
        if (local != null) {
            local.invalidate(key);
        }
    }

    /** Clears L1 only (a gap in the invalidation channel, or a lost NOTIFY connection). */
    public void invalidateAllLocal() {
        generations.invalidateAll();
        if (local != null) {
            local.invalidateAll();
        }
    }

    /** Removes every entry from every tier; loads under way here do not install. */
    public void invalidateAll() {
        generations.invalidateAll();
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
