package io.strata.sample;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The cluster mode: the embedded servers in this JVM, and {@code members} shop member processes on
 * loopback forming one Hazelcast cluster that shares the cluster cache tier, the invalidations and
 * the write-behind queue. Optionally one member is killed ({@code kill -9}) half-way; its in-doubt
 * two-phase transactions are then resolved from the shards' commit markers, the survivors drain the
 * write-behind queue one after the other, and every write any member acknowledged is looked up in
 * PostgreSQL.
 */
final class ClusterDemo {

    /** What a cluster run showed. */
    record Outcome(
            Summary summary,
            AcknowledgedWrites.Check check,
            List<Long> memberPids,
            long pendingAfterDrain,
            long killedMemberStaleReads) {}

    private ClusterDemo() {}

    static Outcome run(DemoOptions options, PrintStream out, DemoEvents events) throws Exception {
        int n = options.members();
        long t0 = System.nanoTime();
        out.printf("Starting 2 shards x (1 primary + 1 streaming replica), Redis and %d member processes ...%n", n);
        Path workDir = Files.createTempDirectory("strata-cluster-");
        List<MemberProcess> members = new java.util.concurrent.CopyOnWriteArrayList<>();
        AcknowledgedWrites acknowledged = new AcknowledgedWrites();
        // Ctrl-C ends the members too (the testkit's own hook stops the servers).
        Thread reaper = new Thread(() -> members.forEach(MemberProcess::close), "shop-member-reaper");
        Runtime.getRuntime().addShutdownHook(reaper);
        try (LocalServers servers = LocalServers.start();
                ShopDatabase db =
                        ShopDatabase.open(servers.shards(), "demo-parent", workDir, new SimpleMeterRegistry())) {
            events.serversStarted(servers.pids());
            servers.print(out);
            ShopSchema.create(db.dataSource, options.customers(), options.products());
            int[] ports = FreePorts.take(n);
            List<String> addresses = new ArrayList<>();
            for (int port : ports) {
                addresses.add("127.0.0.1:" + port);
            }
            String cluster = "strata-demo-" + UUID.randomUUID();
            for (int i = 0; i < n; i++) {
                MemberSettings settings = new MemberSettings(
                        "member-" + (i + 1),
                        i,
                        n,
                        servers.shards(),
                        null,
                        servers.redis.uri(),
                        cluster,
                        "127.0.0.1",
                        ports[i],
                        addresses,
                        options.customers(),
                        options.products(),
                        options.threads(),
                        options.duration(),
                        workDir);
                members.add(MemberProcess.start(
                        settings, workDir.resolve("member-" + (i + 1) + ".properties"), acknowledged));
            }
            awaitReady(members, Duration.ofSeconds(180));
            out.printf("Started in %.1f s: %d members in one Hazelcast cluster.%n", (System.nanoTime() - t0) / 1e9, n);
            for (MemberProcess m : members) {
                m.send("go");
            }
            for (MemberProcess m : members) {
                String url = m.statusUrl.get(60, TimeUnit.SECONDS);
                out.printf(
                        "  %-9s pid %-7d hazelcast %s   metrics: %s/metrics   status: %s/status   console: %s/console%n",
                        m.name, m.pid(), addresses.get(members.indexOf(m)), url, url, url);
                events.memberServing(url, m.pid());
            }
            out.printf(
                    "Running the workload for %d s with %d threads per member ...%n",
                    options.duration().toSeconds(), options.threads());
            MemberProcess killed = runWithProgress(options, out, members, dead -> {
                // A member that died between PREPARE and COMMIT leaves prepared transactions holding row
                // locks the survivors wait on; the shards' commit markers say how each ends, and opening
                // its coordinator id resolves them at once (safe while the others run).
                ShopDatabase.open(servers.shards(), dead.name, workDir, new SimpleMeterRegistry())
                        .close();
                out.printf(
                        "  resolved %s's in-doubt two-phase transactions from the shards' commit markers%n", dead.name);
            });
            List<Summary> parts = new ArrayList<>();
            for (MemberProcess m : members) {
                if (m != killed) {
                    try {
                        parts.add(m.summary.get(options.duration().toSeconds() + 120, TimeUnit.SECONDS));
                    } catch (ExecutionException e) {
                        throw new IllegalStateException(
                                m.name + " failed: "
                                        + Objects.requireNonNull(e.getCause(), "a failed future has a cause")
                                                .getMessage()
                                        + "; its log:\n" + m.logTail(),
                                e);
                    }
                }
            }
            long pending = -1;
            for (MemberProcess m : members) {
                if (m != killed) {
                    if (!m.closeAndWait(120)) {
                        throw new IllegalStateException(m.name + " did not close; its log:\n" + m.logTail());
                    }
                    pending = m.drainedPending;
                }
            }
            AcknowledgedWrites.Check check = acknowledged.check(db.dataSource);
            Summary summary = Summary.merge(parts);
            summary.print(out);
            out.printf(
                    "  after shutdown      %d write-behind entries left in the queue (the last member drained it)%n",
                    pending);
            out.printf(
                    "  durability          %,d writes acknowledged by all members%s: %,d missing from PostgreSQL%n",
                    check.acknowledged(), killed == null ? "" : " (" + killed.name + "'s included)", check.missing());
            check.examples().forEach(e -> out.println("    missing: " + e));
            if (killed != null) {
                out.printf(
                        "  %-19s %,d operations, %d stale reads, %d errors before it was killed%n",
                        killed.name, killed.operations, killed.staleReads, killed.errors);
            }
            List<Long> pids = new ArrayList<>();
            members.forEach(m -> pids.add(m.pid()));
            return new Outcome(summary, check, pids, pending, killed == null ? 0 : killed.staleReads);
        } finally {
            members.forEach(MemberProcess::close);
            try {
                Runtime.getRuntime().removeShutdownHook(reaper);
            } catch (IllegalStateException e) {
                // already shutting down: the hook runs anyway
            }
            EmbeddedDemo.deleteQuietly(workDir);
        }
    }

    /** Waits until every member joined the full cluster; fails as soon as one of them has ended. */
    private static void awaitReady(List<MemberProcess> members, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!members.stream().allMatch(MemberProcess::ready)) {
            for (MemberProcess m : members) {
                if (!m.ready() && !m.isAlive()) {
                    throw new IllegalStateException(
                            m.name + " ended before joining the cluster; its log:\n" + m.logTail());
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            m.name + " did not join the cluster within " + timeout + "; its log:\n" + m.logTail());
                }
            }
            Thread.sleep(100);
        }
    }

    /** What the demo does right after it killed a member. */
    private interface OnKilled {
        void killed(MemberProcess member) throws Exception;
    }

    /**
     * Shows one progress bar over all members; kills the chosen one half-way and then runs
     * {@code onKilled}. Returns the killed member.
     */
    private static @Nullable MemberProcess runWithProgress(
            DemoOptions options, PrintStream out, List<MemberProcess> members, OnKilled onKilled) throws Exception {
        ProgressBar bar = new ProgressBar(out, options.duration());
        long start = System.nanoTime();
        MemberProcess killed = null;
        while (true) {
            Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
            long ops = 0;
            long stale = 0;
            long errors = 0;
            boolean running = false;
            for (MemberProcess m : members) {
                ops += m.operations;
                stale += m.staleReads;
                errors += m.errors;
                running |= m != killed && m.isAlive() && !m.summary.isDone();
            }
            bar.show(elapsed, ops, stale, errors);
            if (!running) {
                break;
            }
            if (options.kill() > 0
                    && killed == null
                    && elapsed.compareTo(options.duration().dividedBy(2)) >= 0) {
                killed = members.get(options.kill() - 1);
                killed.kill();
                bar.finish();
                out.printf(
                        "  killed %s (pid %d, kill -9) after %.1f s%n",
                        killed.name, killed.pid(), elapsed.toMillis() / 1000.0);
                onKilled.killed(killed);
            }
            Thread.sleep(250);
        }
        bar.finish();
        return killed;
    }
}
