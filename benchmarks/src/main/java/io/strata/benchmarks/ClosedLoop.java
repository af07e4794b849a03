package io.strata.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * A closed-loop load for end-to-end benchmarks: {@code threads} threads each repeat one operation
 * as soon as the previous one completes, for a fixed time. Measures throughput, latency
 * (HdrHistogram, microseconds) and the CPU time the load's own threads spend per operation, which
 * is the steadier figure on a shared machine.
 */
public final class ClosedLoop {

    /** One operation; throws to abort the run. */
    @FunctionalInterface
    public interface Operation {
        void run(ThreadLocalRandom random) throws Exception;
    }

    /** Throughput, latency, and CPU time the client threads spent per operation (nanoseconds). */
    public record Result(double opsPerSecond, Histogram latency, double cpuNanosPerOp) {}

    private ClosedLoop() {}

    /** Runs {@code operation} on {@code threads} threads for {@code nanos}; fails on the first error. */
    public static Result run(int threads, long nanos, Operation operation) throws Exception {
        Recorder recorder = new Recorder(3);
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> workers = new ArrayList<>();
        List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
        long[] counts = new long[threads];
        long[] cpu = new long[threads];
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        for (int t = 0; t < threads; t++) {
            int index = t;
            workers.add(new Thread(() -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                long cpu0 = mx.getCurrentThreadCpuTime();
                long n = 0;
                while (!stop.get()) {
                    long start = System.nanoTime();
                    try {
                        operation.run(random);
                    } catch (Throwable e) {
                        errors.add(e);
                        return;
                    }
                    recorder.recordValue((System.nanoTime() - start) / 1000);
                    n++;
                }
                counts[index] = n;
                cpu[index] = mx.getCurrentThreadCpuTime() - cpu0;
            }));
        }
        long t0 = System.nanoTime();
        workers.forEach(Thread::start);
        while (System.nanoTime() - t0 < nanos && errors.isEmpty()) {
            Thread.sleep(50);
        }
        stop.set(true);
        for (Thread w : workers) {
            w.join();
        }
        long elapsed = System.nanoTime() - t0;
        if (!errors.isEmpty()) {
            throw new IllegalStateException("benchmark operation failed", errors.get(0));
        }
        long total = 0;
        long cpuTotal = 0;
        for (int t = 0; t < threads; t++) {
            total += counts[t];
            cpuTotal += cpu[t];
        }
        return new Result(total / (elapsed / 1e9), recorder.getIntervalHistogram(), (double) cpuTotal / total);
    }

    /**
     * Runs several operations on the same {@code threads} threads, switching between them every
     * {@code sliceNanos}: {@code slices} slices each, in the order given and then reversed (ABBA...),
     * so that a change of the machine's load within the run falls on every operation alike. Returns
     * one result per operation, in the order given: its operations per second of its own slices,
     * their latency, and the CPU time the threads spent per operation in them. An operation in
     * flight at a switch counts for the operation it started as.
     */
    public static List<Result> interleaved(int threads, List<Operation> operations, long sliceNanos, int slices)
            throws Exception {
        int n = operations.size();
        List<Recorder> recorders = new ArrayList<>();
        for (int p = 0; p < n; p++) {
            recorders.add(new Recorder(3));
        }
        // phase: index of the operation to run now, or -1 to stop.
        java.util.concurrent.atomic.AtomicInteger phase = new java.util.concurrent.atomic.AtomicInteger(0);
        List<Thread> workers = new ArrayList<>();
        List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
        long[][] counts = new long[threads][n];
        long[][] cpu = new long[threads][n];
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        for (int t = 0; t < threads; t++) {
            int index = t;
            workers.add(new Thread(() -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                int current = phase.get();
                long cpu0 = mx.getCurrentThreadCpuTime();
                while (current >= 0) {
                    long start = System.nanoTime();
                    try {
                        operations.get(current).run(random);
                    } catch (Throwable e) {
                        errors.add(e);
                        return;
                    }
                    recorders.get(current).recordValue((System.nanoTime() - start) / 1000);
                    counts[index][current]++;
                    int next = phase.get();
                    if (next != current) {
                        long now = mx.getCurrentThreadCpuTime();
                        cpu[index][current] += now - cpu0;
                        cpu0 = now;
                        current = next;
                    }
                }
            }));
        }
        long[] elapsed = new long[n];
        workers.forEach(Thread::start);
        try {
            for (int s = 0; s < slices && errors.isEmpty(); s++) {
                for (int i = 0; i < n && errors.isEmpty(); i++) {
                    int p = s % 2 == 0 ? i : n - 1 - i;
                    phase.set(p);
                    long sliceStart = System.nanoTime();
                    while (System.nanoTime() - sliceStart < sliceNanos && errors.isEmpty()) {
                        Thread.sleep(Math.max(
                                1, Math.min(20, (sliceNanos - (System.nanoTime() - sliceStart)) / 1_000_000)));
                    }
                    elapsed[p] += System.nanoTime() - sliceStart;
                }
            }
        } finally {
            phase.set(-1);
            for (Thread w : workers) {
                w.join();
            }
        }
        if (!errors.isEmpty()) {
            throw new IllegalStateException("benchmark operation failed", errors.get(0));
        }
        List<Result> out = new ArrayList<>();
        for (int p = 0; p < n; p++) {
            long total = 0;
            long cpuTotal = 0;
            for (int t = 0; t < threads; t++) {
                total += counts[t][p];
                cpuTotal += cpu[t][p];
            }
            out.add(new Result(
                    total / (elapsed[p] / 1e9), recorders.get(p).getIntervalHistogram(), (double) cpuTotal / total));
        }
        return out;
    }

    /** The median of {@code values} (mean of the middle two for an even count). */
    public static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
