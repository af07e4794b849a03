package io.strata.sample;

import java.io.IOException;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * One member's run of the workload: the lag watch and the status server up, the workload started
 * for the configured duration, progress reported every 250 ms, and the member's summary at the end.
 */
final class MemberRun {

    /** Receives progress while the workload runs. */
    interface Progress {
        void update(Duration elapsed, WorkloadStats stats);
    }

    private MemberRun() {}

    /**
     * Runs the workload on {@code node}.
     *
     * @param statusBind interface of the status server
     * @param statusPort its port (0: a free one)
     * @param statusUrl told the status server's URL once it serves
     * @param acknowledgements told every acknowledged write
     * @param progress told the progress
     */
    static Summary run(
            ShopNode node,
            String statusBind,
            int statusPort,
            Consumer<String> statusUrl,
            Consumer<String> acknowledgements,
            Progress progress)
            throws IOException, InterruptedException {
        return run(node, statusBind, statusPort, statusUrl, acknowledgements, progress, () -> {});
    }

    /**
     * As {@link #run(ShopNode, String, int, Consumer, Consumer, Progress)}, calling {@code finished}
     * once the workload has ended and before the status server stops, so an observer can read the
     * final metrics and status while they are still served.
     */
    static Summary run(
            ShopNode node,
            String statusBind,
            int statusPort,
            Consumer<String> statusUrl,
            Consumer<String> acknowledgements,
            Progress progress,
            Runnable finished)
            throws IOException, InterruptedException {
        MemberSettings settings = node.settings;
        WorkloadStats stats = new WorkloadStats();
        long startNanos = System.nanoTime();
        try (ReplicaLagWatch lag = new ReplicaLagWatch(node.database.replicaSets);
                StatusServer status = new StatusServer(
                        statusBind,
                        statusPort,
                        node.registry,
                        histograms -> Summary.of(stats, node.registry, lag, seconds(startNanos))
                                .toStatusJson(histograms))) {
            statusUrl.accept(status.url());
            Workload workload = new Workload(
                    node.shop,
                    settings.ownedCustomers(),
                    settings.products(),
                    settings.threads(),
                    stats,
                    acknowledgements);
            workload.start(settings.duration());
            Thread waiter = new Thread(
                    () -> {
                        try {
                            workload.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    },
                    "shop-workload-waiter");
            waiter.start();
            try {
                while (waiter.isAlive()) {
                    progress.update(Duration.ofNanos(System.nanoTime() - startNanos), stats);
                    waiter.join(250);
                }
            } finally {
                workload.stop();
                waiter.join();
            }
            progress.update(Duration.ofNanos(System.nanoTime() - startNanos), stats);
            finished.run();
            return Summary.of(stats, node.registry, lag, seconds(startNanos));
        }
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
