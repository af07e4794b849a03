package io.strata.cache;

import java.net.ConnectException;
import java.util.Collection;
import java.util.Map;

/**
 * A real store that a test can make unreachable: while paused, every write fails as a refused
 * connection does (so write-behind pauses and keeps its queue, as with PostgreSQL stopped), without
 * the seconds a real stop and start of PostgreSQL cost.
 */
final class PausableStore<K, V> implements Store<K, V> {

    private final Store<K, V> store;
    private volatile boolean paused;

    PausableStore(Store<K, V> store) {
        this.store = store;
    }

    void pause() {
        paused = true;
    }

    void resume() {
        paused = false;
    }

    private void check() {
        if (paused) {
            throw new IllegalStateException(new ConnectException("store paused by the test"));
        }
    }

    @Override
    public V load(K key) {
        check();
        return store.load(key);
    }

    @Override
    public Map<K, V> loadAll(Collection<? extends K> keys) {
        check();
        return store.loadAll(keys);
    }

    @Override
    public void write(K key, V value, long version) {
        check();
        store.write(key, value, version);
    }

    @Override
    public void writeAll(Map<? extends K, Versioned<V>> entries) {
        check();
        store.writeAll(entries);
    }

    @Override
    public void delete(K key) {
        check();
        store.delete(key);
    }
}
