package io.strata.sample;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The one-JVM demo: the embedded servers, one shop member in this JVM (with its Hazelcast member),
 * the schema, the workload with a progress bar, and the summary.
 */
final class EmbeddedDemo {

    private EmbeddedDemo() {}

    static Summary run(DemoOptions options, PrintStream out, DemoEvents events) throws Exception {
        long t0 = System.nanoTime();
        out.println("Starting 2 shards x (1 primary + 1 streaming replica), Redis and a Hazelcast member ...");
        Path workDir = Files.createTempDirectory("strata-demo-");
        try (LocalServers servers = LocalServers.start()) {
            events.serversStarted(servers.pids());
            servers.print(out);
            int hazelcastPort = FreePorts.take(1)[0];
            MemberSettings settings = new MemberSettings(
                    "member-1",
                    0,
                    1,
                    servers.shards(),
                    null,
                    servers.redis.uri(),
                    "strata-demo-" + UUID.randomUUID(),
                    "127.0.0.1",
                    hazelcastPort,
                    List.of("127.0.0.1:" + hazelcastPort),
                    options.customers(),
                    options.products(),
                    options.threads(),
                    options.duration(),
                    workDir);
            Summary summary;
            long pending;
            try (ShopNode node = ShopNode.start(settings)) {
                out.printf("  %-16s 127.0.0.1:%d (this JVM)%n", "hazelcast", hazelcastPort);
                ShopSchema.create(node.database.dataSource, options.customers(), options.products());
                out.printf(
                        "Started in %.1f s. Shop schema: %d customers, %d products.%n",
                        (System.nanoTime() - t0) / 1e9, options.customers(), options.products());
                ProgressBar bar = new ProgressBar(out, options.duration());
                out.printf(
                        "Running the workload for %d s with %d threads ...%n",
                        options.duration().toSeconds(), options.threads());
                AtomicReference<String> servedAt = new AtomicReference<>("");
                summary = MemberRun.run(
                        node,
                        "127.0.0.1",
                        options.statusPort(),
                        url -> {
                            servedAt.set(url);
                            out.printf(
                                    "  metrics: %s/metrics   status: %s/status   console: %s/console%n", url, url, url);
                            events.memberServing(url, ProcessHandle.current().pid());
                        },
                        write -> {},
                        (Duration elapsed, WorkloadStats stats) ->
                                bar.show(elapsed, stats.operations(), stats.staleReads(), stats.errors()),
                        () -> events.workloadFinished(Objects.requireNonNull(servedAt.get(), "status URL")));
                bar.finish();
                pending = node.drain();
                printReport(out, node.shop);
            }
            summary.print(out);
            out.printf("  after shutdown      %d write-behind entries left in the queue%n", pending);
            return summary;
        } finally {
            deleteQuietly(workDir);
        }
    }

    private static void printReport(PrintStream out, Shop shop) {
        try {
            out.println("Best sellers (one statement, scattered over both shards and merged):");
            for (SalesLine line : shop.salesReport(3)) {
                out.printf(
                        "  product %-5d %,6d orders  %,12.2f revenue%n",
                        line.productId(), line.orders(), line.revenueCents() / 100.0);
            }
        } catch (Exception e) {
            out.println("  sales report failed: " + e);
        }
    }

    static void deleteQuietly(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
        } catch (Exception e) {
            // a temp directory; nothing more to do
        }
    }
}
