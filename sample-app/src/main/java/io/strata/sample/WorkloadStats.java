package io.strata.sample;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;

/**
 * What the workload observed: latency of every operation (HdrHistogram, microseconds), counts
 * per kind of operation, reads that were checked against what this session wrote, and the stale
 * ones among them. Thread-safe.
 */
final class WorkloadStats {

    private final ConcurrentHistogram latencyMicros = new ConcurrentHistogram(3);
    private final Map<String, ConcurrentHistogram> latencyByKind = new ConcurrentHashMap<>();
    private final LongAdder checkedReads = new LongAdder();
    private final LongAdder staleReads = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final LongAdder acknowledgedWrites = new LongAdder();
    private volatile @Nullable String lastError;
    private volatile @Nullable String lastStaleRead;

    void record(String operation, long nanos) {
        long micros = Math.max(1, nanos / 1000);
        latencyMicros.recordValue(micros);
        latencyByKind
                .computeIfAbsent(operation, k -> new ConcurrentHistogram(3))
                .recordValue(micros);
    }

    /** A read compared with what the session wrote; {@code stale} when it showed less. */
    void checked(boolean stale, String detail) {
        checkedReads.increment();
        if (stale) {
            staleReads.increment();
            lastStaleRead = detail;
        }
    }

    void acknowledged() {
        acknowledgedWrites.increment();
    }

    void error(String operation, Exception e) {
        errors.increment();
        lastError = operation + ": " + e;
    }

    long operations() {
        return latencyMicros.getTotalCount();
    }

    Histogram latency() {
        return latencyMicros.copy();
    }

    Map<String, Histogram> latencyByKind() {
        Map<String, Histogram> m = new TreeMap<>();
        latencyByKind.forEach((k, v) -> m.put(k, v.copy()));
        return m;
    }

    long checkedReads() {
        return checkedReads.sum();
    }

    long staleReads() {
        return staleReads.sum();
    }

    long errors() {
        return errors.sum();
    }

    long acknowledgedWrites() {
        return acknowledgedWrites.sum();
    }

    @Nullable
    String lastError() {
        return lastError;
    }

    @Nullable
    String lastStaleRead() {
        return lastStaleRead;
    }
}
