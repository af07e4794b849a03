package io.strata.cache.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A remote tier behind a circuit breaker. A failed or refused call is a counted miss (reads) or a
 * counted, swallowed failure (writes): a tier outage costs hit ratio, never a read. "Failed" means
 * any throwable but a {@link VirtualMachineError} (see {@link Failures}): a {@code LinkageError}
 * from a client library of another version than Strata was built against is a failure of the
 * tier like a refused connection.
 *
 * <p>Invariant (no value older than the store's survives an outage): a write or invalidation that
 * could not reach the tier leaves a debt on its key; until the debt is paid (the key is deleted
 * from the tier once it answers again) the tier's copy of that key is ignored. More than
 * {@code MAX_DEBT} keys in debt turn into one debt on the whole tier, paid with invalidateAll.
 */
public final class GuardedTier<K, V> implements TierStore<K, V> {

    private static final Logger LOG = LoggerFactory.getLogger(GuardedTier.class);
    private static final int MAX_DEBT = 100_000;

    private final TierStore<K, V> tier;
    private final CircuitBreaker breaker;
    private final CacheMetrics metrics;
    private final Set<K> debt = ConcurrentHashMap.newKeySet();
    private volatile boolean debtAll;
    /** The kinds of failure already logged at WARN (see {@link #failed}). */
    private final Set<Class<?>> loggedKinds = ConcurrentHashMap.newKeySet();

    private final io.micrometer.core.instrument.Counter hits;
    private final io.micrometer.core.instrument.Counter misses;

    public GuardedTier(TierStore<K, V> tier, CircuitBreaker breaker, CacheMetrics metrics) {
        this.tier = tier;
        this.breaker = breaker;
        this.metrics = metrics;
        this.hits = metrics.tierGetCounter(tier.name(), "hit");
        this.misses = metrics.tierGetCounter(tier.name(), "miss");
        metrics.gauge("strata.cache.circuit.state", () -> stateCode(breaker.getState()), "tier", tier.name());
        metrics.gauge("strata.cache.tier.debt", () -> debtAll ? -1 : debt.size(), "tier", tier.name());
    }

    private static int stateCode(CircuitBreaker.State state) {
        return switch (state) {
            case CLOSED -> 0;
            case OPEN, FORCED_OPEN -> 1;
            case HALF_OPEN -> 2;
            default -> 3;
        };
    }

    public CircuitBreaker breaker() {
        return breaker;
    }

    public TierStore<K, V> delegate() {
        return tier;
    }

    @Override
    public String name() {
        return tier.name();
    }

    @Override
    public boolean remote() {
        return tier.remote();
    }

    /** Whether the tier is believed usable (breaker not open, no debt on everything). */
    public boolean usable() {
        return !debtAll && breaker.getState() != CircuitBreaker.State.OPEN;
    }

    @Override
    public @Nullable Entry<V> get(K key) {
        if (debtAll || (!debt.isEmpty() && debt.contains(key))) {
            payDebt();
            metrics.tierGet(name(), "skipped", 1);
            return null;
        }
        Object result = attempt(() -> tier.get(key));
        if (result == FAILED) {
            metrics.tierGet(name(), breaker.getState() == CircuitBreaker.State.OPEN ? "skipped" : "error", 1);
            return null;
        }
        @SuppressWarnings("unchecked")
        Entry<V> entry = (Entry<V>) result;
        (entry == null ? misses : hits).increment();
        return entry;
    }

    @Override
    public Map<K, Entry<V>> getAll(Collection<K> keys) {
        if (debtAll) {
            payDebt();
            metrics.tierGet(name(), "skipped", keys.size());
            return Map.of();
        }
        Object result = attempt(() -> tier.getAll(keys));
        if (result == FAILED) {
            metrics.tierGet(name(), "error", keys.size());
            return Map.of();
        }
        @SuppressWarnings("unchecked")
        Map<K, Entry<V>> found = new java.util.HashMap<>((Map<K, Entry<V>>) result);
        if (!debt.isEmpty()) {
            found.keySet().removeIf(debt::contains);
        }
        metrics.tierGet(name(), "hit", found.size());
        metrics.tierGet(name(), "miss", keys.size() - found.size());
        return found;
    }

    @Override
    public void put(K key, Entry<V> entry) {
        if (!run(() -> tier.put(key, entry))) {
            metrics.tierWriteFailure(name());
            owe(key);
        } else if (!debt.isEmpty()) {
            debt.remove(key); // the tier now holds the newest value
        }
    }

    @Override
    public void putIfAbsent(K key, Entry<V> entry) {
        if (!debt.isEmpty() && debt.contains(key)) {
            return; // the tier may hold an older copy we could not delete: leave the key alone
        }
        if (!run(() -> tier.putIfAbsent(key, entry))) {
            metrics.tierWriteFailure(name());
        }
    }

    @Override
    public void invalidate(K key) {
        if (!run(() -> tier.invalidate(key))) {
            metrics.tierWriteFailure(name());
            owe(key);
        } else if (!debt.isEmpty()) {
            debt.remove(key);
        }
    }

    @Override
    public void invalidateAll() {
        if (!run(tier::invalidateAll)) {
            metrics.tierWriteFailure(name());
            debtAll = true;
        } else {
            debtAll = false;
            debt.clear();
        }
    }

    private void owe(K key) {
        if (debt.size() >= MAX_DEBT) {
            debtAll = true;
        } else {
            debt.add(key);
        }
    }

    /** Deletes the keys in debt if the tier answers again; called on reads and periodically. */
    public void payDebt() {
        if (breaker.getState() == CircuitBreaker.State.OPEN) {
            return;
        }
        if (debtAll) {
            if (run(tier::invalidateAll)) {
                LOG.info("tier {} is back: cleared it, it missed writes while down", name());
                debt.clear();
                debtAll = false;
            }
            return;
        }
        for (K key : debt) {
            if (!run(() -> tier.invalidate(key))) {
                return;
            }
            debt.remove(key);
        }
    }

    public boolean inDebt() {
        return debtAll || !debt.isEmpty();
    }

    /** Marks a call that failed or was refused, as opposed to one that returned null. */
    private static final Object FAILED = new Object();

    private Object attempt(Supplier<?> op) {
        if (!breaker.tryAcquirePermission()) {
            return FAILED;
        }
        long start = System.nanoTime();
        try {
            Object result = op.get();
            breaker.onSuccess(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            return result;
        } catch (Throwable e) { // any failure of the tier, a LinkageError included, is a counted miss
            Failures.rethrowIfFatal(e);
            failed(System.nanoTime() - start, e);
            return FAILED;
        }
    }

    private boolean run(Runnable op) {
        if (!breaker.tryAcquirePermission()) {
            return false;
        }
        long start = System.nanoTime();
        try {
            op.run();
            breaker.onSuccess(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            return true;
        } catch (Throwable e) { // as in attempt: a counted write failure, never the caller's
            Failures.rethrowIfFatal(e);
            failed(System.nanoTime() - start, e);
            return false;
        }
    }

    /**
     * Records a failed call with the breaker and logs it: the first failure of each kind (exception
     * class) at WARN with its stack trace, the rest at DEBUG, so a tier that fails on every call
     * (down, or a client library that does not link) says so once instead of on every read.
     */
    private void failed(long nanos, Throwable e) {
        breaker.onError(nanos, TimeUnit.NANOSECONDS, e);
        if (loggedKinds.add(e.getClass())) {
            if (e instanceof LinkageError) {
                LOG.warn(
                        "tier {} failed with {}: its client library does not link (a version other than the one"
                                + " Strata was built against?); the tier is skipped as a miss, reads and writes go on"
                                + " without it. Logged once.",
                        name(),
                        e.toString(),
                        e);
            } else {
                LOG.warn(
                        "tier {} failed with {}: counted as a miss (reads) or a write failure (writes), reads and"
                                + " writes go on without it. Failures of this kind are logged at DEBUG from now on.",
                        name(),
                        e.toString(),
                        e);
            }
        } else {
            LOG.debug("tier {} failed: {}", name(), e.toString());
        }
    }

    @Override
    public void close() {
        tier.close();
    }
}
