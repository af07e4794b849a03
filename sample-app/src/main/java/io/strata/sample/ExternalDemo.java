package io.strata.sample;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * The external mode: the same shop member against PostgreSQL, Redis and Hazelcast peers named in
 * a {@link ShopConfig} YAML file (PostgreSQL through a {@code jdbc:strata:} URL). This is what each
 * app container of {@code docker/} runs.
 */
final class ExternalDemo {

    private ExternalDemo() {}

    static Summary run(
            ShopConfig config, int member, @Nullable Duration durationOverride, PrintStream out, DemoEvents events)
            throws Exception {
        Path workDir = Files.createTempDirectory("strata-shop-");
        MemberSettings settings = config.member(member, workDir);
        if (durationOverride != null) {
            settings = new MemberSettings(
                    settings.memberName(),
                    settings.memberIndex(),
                    settings.memberCount(),
                    settings.shards(),
                    settings.strataUrl(),
                    settings.redisUri(),
                    settings.clusterName(),
                    settings.bindAddress(),
                    settings.hazelcastPort(),
                    settings.hazelcastMembers(),
                    settings.customers(),
                    settings.products(),
                    settings.threads(),
                    durationOverride,
                    workDir);
        }
        out.printf(
                "External mode, %s of %d: database %s, redis %s, hazelcast %s%n",
                settings.memberName(), config.members(), config.database(), config.redis(), config.hazelcastMembers());
        try (ShopNode node = ShopNode.start(settings)) {
            createSchema(node);
            out.printf(
                    "Running the workload for %d s with %d threads ...%n",
                    settings.duration().toSeconds(), settings.threads());
            ProgressBar bar = new ProgressBar(out, settings.duration());
            Summary summary = MemberRun.run(
                    node,
                    config.statusBind(),
                    config.statusPort(),
                    url -> {
                        out.printf("  metrics: %s/metrics   status: %s/status   console: %s/console%n", url, url, url);
                        events.memberServing(url, ProcessHandle.current().pid());
                    },
                    write -> {},
                    (elapsed, stats) -> bar.show(elapsed, stats.operations(), stats.staleReads(), stats.errors()));
            bar.finish();
            long pending = node.drain();
            summary.print(out);
            out.printf("  after shutdown      %d write-behind entries left in the queue%n", pending);
            return summary;
        } finally {
            EmbeddedDemo.deleteQuietly(workDir);
        }
    }

    /** Members may start together; a concurrent CREATE ... IF NOT EXISTS can still collide, so retry once. */
    private static void createSchema(ShopNode node) throws SQLException, InterruptedException {
        try {
            ShopSchema.create(node.database.dataSource, node.settings.customers(), node.settings.products());
        } catch (SQLException e) {
            Thread.sleep(1000);
            ShopSchema.create(node.database.dataSource, node.settings.customers(), node.settings.products());
        }
    }
}
