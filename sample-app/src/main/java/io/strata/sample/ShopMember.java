package io.strata.sample;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A shop member process of the cluster mode, started by {@link ClusterDemo} with the same class
 * path. It talks to its parent in lines: on stdout {@code ready}, {@code status-url <url>},
 * {@code progress <operations> <stale> <errors>}, {@code ack <write>} for every acknowledged write,
 * {@code summary <json>}, {@code drained <pending>}, {@code closed}; on stdin it waits for
 * {@code go} (start the workload) and {@code close} (drain and stop).
 */
public final class ShopMember {

    private ShopMember() {}

    /** {@code args[0]}: the member settings file. */
    public static void main(String[] args) throws Exception {
        System.setProperty("hazelcast.logging.type", "slf4j");
        MemberSettings settings = MemberSettings.read(Path.of(args[0]));
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try (ShopNode node = ShopNode.start(settings)) {
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (node.hazelcast.getCluster().getMembers().size() < settings.memberCount()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the cluster did not form: "
                            + node.hazelcast.getCluster().getMembers());
                }
                Thread.sleep(100);
            }
            out.println("ready");
            expect(in, "go");
            Summary summary = MemberRun.run(
                    node,
                    "127.0.0.1",
                    0,
                    url -> out.println("status-url " + url),
                    write -> out.println("ack " + write),
                    (elapsed, stats) -> out.println(
                            "progress " + stats.operations() + " " + stats.staleReads() + " " + stats.errors()));
            out.println("summary " + summary.toJson());
            expect(in, "close");
            out.println("drained " + node.drain());
        }
        out.println("closed");
        System.exit(0);
    }

    private static void expect(BufferedReader in, String command) throws IOException {
        String line = in.readLine();
        if (!command.equals(line)) {
            throw new IllegalStateException("expected '" + command + "' from the parent but got '" + line + "'");
        }
    }
}
