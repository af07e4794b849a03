package io.strata.cache;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** A store that counts loads and writes on the way to a real one. */
public final class CountingStore<K, V> implements Store<K, V> {

    private final Store<K, V> delegate;
    private final Runnable beforeLoad;
    public final AtomicInteger loads = new AtomicInteger();
    public final AtomicInteger writes = new AtomicInteger();

    public CountingStore(Store<K, V> delegate, Runnable beforeLoad) {
        this.delegate = delegate;
        this.beforeLoad = beforeLoad;
    }

    @Override
    public V load(K key) {
        loads.incrementAndGet();
        beforeLoad.run();
        return delegate.load(key);
    }

    @Override
    public Map<K, V> loadAll(Collection<? extends K> keys) {
        loads.incrementAndGet();
        return delegate.loadAll(keys);
    }

    @Override
    public void write(K key, V value, long version) {
        writes.incrementAndGet();
        delegate.write(key, value, version);
    }

    @Override
    public void writeAll(Map<? extends K, Versioned<V>> entries) {
        writes.addAndGet(entries.size());
        delegate.writeAll(entries);
    }

    @Override
    public void delete(K key) {
        delegate.delete(key);
    }
}
