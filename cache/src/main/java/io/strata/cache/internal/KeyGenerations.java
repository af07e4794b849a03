package io.strata.cache.internal;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.StampedLock;

/**
 * Per-key generations, so that a load (or a promotion, or a refresh) that began before an
 * invalidation of its key does not install what it read: the install is made only if the key's
 * generation is still the one stamped before the read began. Keys are striped over
 * {@value #STRIPES} counters; two keys on one stripe only cost a skipped install (a later miss),
 * never a stale value.
 *
 * <p>Concurrency: an install checks its stamp and writes the tiers under the stripe's read lock;
 * an invalidation bumps the generation under the write lock and deletes the tiers afterwards. So an
 * install either finished before the bump (and the delete that follows removes it) or sees the
 * bump and is dropped: once {@code invalidate} returns, no load that began before it can put its
 * value into this member's tiers. Puts bump without the lock: their entries carry a higher version
 * than any load and the tiers keep the highest version, so the bump only saves a useless install.
 * Hits never touch any of this. The locks are {@link StampedLock}s: a read lock is one CAS and,
 * unlike {@code ReentrantReadWriteLock}'s, allocates no per-thread hold counter on a miss. They are
 * not reentrant: nothing done under a read lock (tier writes) may install or invalidate again.
 */
final class KeyGenerations {

    static final int STRIPES = 1024;

    private final AtomicLongArray generations = new AtomicLongArray(STRIPES);
    private final StampedLock[] locks = new StampedLock[STRIPES];

    KeyGenerations() {
        for (int i = 0; i < STRIPES; i++) {
            locks[i] = new StampedLock();
        }
    }

    private static int stripe(Object key) {
        int h = key.hashCode();
        h ^= h >>> 16;
        h *= 0x45d9f3b;
        h ^= h >>> 16;
        return h & (STRIPES - 1);
    }

    /** The generation of {@code key} now: take it before reading what is to be installed. */
    long stamp(Object key) {
        return generations.get(stripe(key));
    }

    /**
     * If {@code key}'s generation is still {@code stamp}, holds the key's install lock and returns a
     * non-zero lock stamp to give to {@link #endInstall} once the tiers are written (in a
     * {@code finally}); else returns 0 and holds nothing: the install must be dropped.
     */
    long beginInstall(Object key, long stamp) {
        int s = stripe(key);
        StampedLock lock = locks[s];
        long held = lock.readLock();
        if (generations.get(s) != stamp) {
            lock.unlockRead(held);
            return 0;
        }
        return held;
    }

    /** Ends an install begun with {@link #beginInstall} that returned {@code held} (non-zero). */
    void endInstall(Object key, long held) {
        locks[stripe(key)].unlockRead(held);
    }

    /** Makes every stamp of {@code key} taken so far stale; waits for installs under way to finish. */
    void invalidate(Object key) {
        int s = stripe(key);
        StampedLock lock = locks[s];
        long held = lock.writeLock();
        try {
            generations.incrementAndGet(s);
        } finally {
            lock.unlockWrite(held);
        }
    }

    /** As {@link #invalidate} for every key. */
    void invalidateAll() {
        for (int s = 0; s < STRIPES; s++) {
            StampedLock lock = locks[s];
            long held = lock.writeLock();
            try {
                generations.incrementAndGet(s);
            } finally {
                lock.unlockWrite(held);
            }
        }
    }

    /** A put of {@code key}: loads under way need not install (the put's higher version wins anyway). */
    void written(Object key) {
        generations.incrementAndGet(stripe(key));
    }
}
