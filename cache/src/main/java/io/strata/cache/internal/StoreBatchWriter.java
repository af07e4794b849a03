package io.strata.cache.internal;

import io.strata.cache.Store;
import io.strata.cache.Versioned;
import io.strata.cache.WriteStrategy;
import java.net.ConnectException;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.time.Clock;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes coalesced write-behind batches to the store for a queue owner, with the retry rules:
 * <ul>
 *   <li>a store that is unreachable (connection refused, SQLState class 08, transient or
 *       recoverable SQL errors) pauses the queue and never counts toward dead-lettering: a down
 *       database must not turn acknowledged writes into dead letters;</li>
 *   <li>any other failure splits the batch into single writes; a key whose write keeps failing
 *       is retried with exponential backoff and dead-lettered after {@code maxAttempts}.</li>
 * </ul>
 * Attempt counts live with the owner; a new owner (after a migration) starts counting afresh.
 */
public final class StoreBatchWriter<K, V> {

    private static final Logger LOG = LoggerFactory.getLogger(StoreBatchWriter.class);

    /** What happened to a batch. {@code pause} is set when the store looked unreachable. */
    public record Outcome<K>(Set<K> written, Set<K> dead, boolean pause) {}

    private final String cacheName;
    private final Store<K, V> store;
    private final WriteStrategy strategy;
    private final CacheMetrics metrics;
    private final Clock clock;
    private final Map<K, Integer> attempts = new ConcurrentHashMap<>();
    private final Map<K, Long> notBefore = new ConcurrentHashMap<>();

    public StoreBatchWriter(
            String cacheName, Store<K, V> store, WriteStrategy strategy, CacheMetrics metrics, Clock clock) {
        this.cacheName = cacheName;
        this.store = store;
        this.strategy = strategy;
        this.metrics = metrics;
        this.clock = clock;
    }

    public WriteStrategy strategy() {
        return strategy;
    }

    /** Whether {@code key} may be attempted now (it is not waiting out a backoff). */
    public boolean due(K key) {
        Long t = notBefore.get(key);
        return t == null || t <= clock.millis();
    }

    /** The pause before the next round after the store looked unreachable {@code streak} times in a row. */
    public long pauseMillis(int streak) {
        return backoff(Math.max(1, streak));
    }

    private long backoff(int attempt) {
        long initial = strategy.initialBackoff().toMillis();
        long max = strategy.maxBackoff().toMillis();
        long d = initial << Math.min(20, attempt - 1);
        return Math.min(max, Math.max(initial, d));
    }

    public Outcome<K> write(Map<K, Entry<V>> batch) {
        if (batch.isEmpty()) {
            return new Outcome<>(Set.of(), Set.of(), false);
        }
        Map<K, Versioned<V>> writes = new LinkedHashMap<>();
        batch.forEach((k, e) -> writes.put(
                k,
                new Versioned<>(
                        Objects.requireNonNull(e.value(), "write-behind queues hold no negative entries"),
                        e.version())));
        try {
            store.writeAll(writes);
            metrics.writeBehindBatch(writes.size());
            forget(writes.keySet());
            return new Outcome<>(writes.keySet(), Set.of(), false);
        } catch (RuntimeException | AssertionError e) {
            metrics.writeBehindFailure();
            if (unreachable(e)) {
                LOG.warn("cache {}: store unreachable, write-behind paused: {}", cacheName, e.toString());
                return new Outcome<>(Set.of(), Set.of(), true);
            }
            if (writes.size() == 1) {
                return single(writes, (RuntimeException) e);
            }
            LOG.warn("cache {}: batch of {} failed, retrying one by one: {}", cacheName, writes.size(), e.toString());
        }
        Set<K> written = new HashSet<>();
        Set<K> dead = new HashSet<>();
        for (Map.Entry<K, Versioned<V>> w : writes.entrySet()) {
            Outcome<K> one;
            try {
                store.write(w.getKey(), w.getValue().value(), w.getValue().version());
                metrics.writeBehindBatch(1);
                forget(Set.of(w.getKey()));
                written.add(w.getKey());
                continue;
            } catch (RuntimeException | AssertionError e) {
                metrics.writeBehindFailure();
                if (unreachable(e)) {
                    return new Outcome<>(written, dead, true);
                }
                one = single(Map.of(w.getKey(), w.getValue()), (RuntimeException) e);
            }
            dead.addAll(one.dead());
        }
        return new Outcome<>(written, dead, false);
    }

    private Outcome<K> single(Map<K, Versioned<V>> write, RuntimeException e) {
        K key = write.keySet().iterator().next();
        int n = attempts.merge(key, 1, Integer::sum);
        if (n >= strategy.maxAttempts()) {
            LOG.error("cache {}: write of key {} failed {} times, dead-lettered: {}", cacheName, key, n, e.toString());
            metrics.writeBehindDeadLetter();
            forget(Set.of(key));
            return new Outcome<>(Set.of(), Set.of(key), false);
        }
        notBefore.put(key, clock.millis() + backoff(n));
        return new Outcome<>(Set.of(), Set.of(), false);
    }

    private void forget(Set<K> keys) {
        if (!attempts.isEmpty()) {
            for (K k : keys) {
                attempts.remove(k);
                notBefore.remove(k);
            }
        }
    }

    /** Whether {@code e} says the store could not be reached at all (as opposed to refusing this write). */
    static boolean unreachable(Throwable e) {
        if (e instanceof Error) {
            return true; // e.g. a driver's assertion on a broken connection: not a property of the data
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException
                    || t instanceof SQLTransientException
                    || t instanceof SQLRecoverableException) {
                return true;
            }
            if (t instanceof SQLException sql
                    && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("08") || sql.getSQLState().startsWith("57P"))) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }
}
