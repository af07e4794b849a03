package io.strata.router.internal.execute;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.SQLException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs one statement's shard calls in parallel on a bounded executor shared by the router.
 *
 * <p>A statement's calls go to a small work list; the calling thread works on it too, helped by at
 * most {@code perStatement - 1} executor threads. The executor hands a task to an idle or new
 * thread (up to {@code threads}) and never queues it: when every thread is busy the caller runs
 * the work itself. So a task never waits behind another, the caller never waits for a task that
 * has not started, and a saturated executor degrades to sequential execution instead of blocking.
 * Tasks only run SQL on connections the caller took beforehand (see {@link ShardPermits}); they
 * never wait for a pool.
 */
public final class ShardCalls implements AutoCloseable {

    /** One shard call, by its position in the statement's list. */
    @FunctionalInterface
    public interface Task {
        void run(int index) throws SQLException;
    }

    private final ThreadPoolExecutor executor;
    private final int perStatement;
    private final AtomicInteger active = new AtomicInteger();

    /**
     * @param threads the executor's maximum thread count (idle threads end after a minute)
     * @param perStatement how many shard calls of one statement may run at once (caller included)
     */
    public ShardCalls(int threads, int perStatement, MeterRegistry registry) {
        this.perStatement = perStatement;
        AtomicInteger n = new AtomicInteger();
        ThreadFactory factory = r -> {
            Thread t = new Thread(r, "strata-router-shard-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        this.executor =
                new ThreadPoolExecutor(0, threads, 60, TimeUnit.SECONDS, new SynchronousQueue<>(), factory, (r, e) -> {
                    throw new RejectedExecutionException("busy");
                });
        Gauge.builder("strata.router.executor.active", active, AtomicInteger::get)
                .description("Shard calls running on the router's executor threads")
                .register(registry);
        Gauge.builder("strata.router.executor.threads", executor, ThreadPoolExecutor::getPoolSize)
                .description("Threads of the router's shard-call executor")
                .register(registry);
    }

    /** How many shard calls of one statement may run at once. */
    public int perStatement() {
        return perStatement;
    }

    /**
     * Runs {@code task} for every index in {@code [0, count)}, in parallel, and returns when all have
     * ended. A task that fails stops the ones not yet started; the first failure is thrown with the
     * others suppressed.
     */
    public void runAll(int count, Task task) throws SQLException {
        run(count, task, true);
    }

    /**
     * Runs {@code task} for every index in {@code [0, count)}, in parallel, each whatever the others
     * do (COMMIT PREPARED must reach every shard), and throws the first failure once all have ended.
     */
    public void runEvery(int count, Task task) throws SQLException {
        run(count, task, false);
    }

    /**
     * Runs {@code task} for every index in {@code [0, count)} one after another, in that order, on
     * the calling thread, stopping at the first failure. For statements that take row locks: two
     * such statements over the same rows on several shards (a broadcast UPDATE, two scattered
     * UPDATEs) then lock the shards in the same order, as one PostgreSQL would lock its rows, instead
     * of each holding one shard and waiting for the other's, a deadlock no shard can see.
     */
    public void runInOrder(int count, Task task) throws SQLException {
        for (int i = 0; i < count; i++) {
            task.run(i);
        }
    }

    private void run(int count, Task task, boolean stopOnFailure) throws SQLException {
        if (count == 1) {
            task.run(0);
            return;
        }
        Work work = new Work(count, task, stopOnFailure);
        int helpers = Math.min(count, perStatement) - 1;
        for (int h = 0; h < helpers; h++) {
            try {
                executor.execute(() -> {
                    active.incrementAndGet();
                    try {
                        work.drain();
                    } finally {
                        active.decrementAndGet();
                    }
                });
            } catch (RejectedExecutionException busy) {
                break; // every thread busy: the caller does the rest
            }
        }
        work.drain();
        work.await();
        work.rethrow();
    }

    /** A statement's work list: the next index to take, what failed, and when all have ended. */
    private static final class Work {
        private final int count;
        private final Task task;
        private final AtomicInteger next = new AtomicInteger();
        private final CountDownLatch ended;
        private final boolean stopOnFailure;
        private volatile boolean failed;
        private final SQLException[] errors;
        private final RuntimeException[] crashes;

        Work(int count, Task task, boolean stopOnFailure) {
            this.count = count;
            this.stopOnFailure = stopOnFailure;
            this.task = task;
            this.ended = new CountDownLatch(count);
            this.errors = new SQLException[count];
            this.crashes = new RuntimeException[count];
        }

        void drain() {
            for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                try {
                    if (!(failed && stopOnFailure)) {
                        task.run(i);
                    }
                } catch (SQLException e) {
                    errors[i] = e;
                    failed = true;
                } catch (RuntimeException | Error e) {
                    crashes[i] = e instanceof RuntimeException r ? r : new IllegalStateException(e);
                    failed = true;
                } finally {
                    ended.countDown();
                }
            }
        }

        /** Waits for the helpers' calls; an interrupt is kept for the caller but does not abandon them. */
        void await() {
            boolean interrupted = false;
            while (true) {
                try {
                    ended.await();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }

        void rethrow() throws SQLException {
            Exception first = null;
            for (int i = 0; i < count; i++) {
                Exception e = errors[i] != null ? errors[i] : crashes[i];
                if (e == null) {
                    continue;
                }
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
            if (first instanceof SQLException s) {
                throw s;
            }
            if (first != null) {
                throw (RuntimeException) first;
            }
        }
    }

    /** Stops the executor's threads (running calls finish). */
    @Override
    public void close() {
        executor.shutdown();
    }
}
