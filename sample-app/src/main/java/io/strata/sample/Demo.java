package io.strata.sample;

import java.time.Duration;

/**
 * The demo a newcomer runs first: {@code mvn -B -q -pl sample-app -am package -DskipTests exec:java}.
 * A small shop embedding Strata runs a mixed workload against real PostgreSQL shards with streaming
 * replicas, Redis and Hazelcast, then prints what happened. Options are system properties (see
 * {@link DemoOptions}): {@code -Dduration=20s}, {@code -Dmembers=3 -Dkill=2} for the cluster mode,
 * {@code -Dconfig=shop.yaml} for the external mode.
 */
public final class Demo {

    private Demo() {}

    /** Runs the demo; the summary says whether every check held. */
    public static void main(String[] args) throws Exception {
        System.setProperty("hazelcast.logging.type", "slf4j");
        DemoOptions options = DemoOptions.from(System.getProperties());
        boolean ok;
        if (options.config() != null) {
            ShopConfig config = ShopConfig.load(options.config());
            Duration duration = System.getProperty("duration") == null ? null : options.duration();
            ok = verdict(
                    ExternalDemo.run(config, Integer.getInteger("member", 1), duration, System.out, DemoEvents.NONE));
        } else if (options.members() > 1) {
            ClusterDemo.Outcome outcome = ClusterDemo.run(options, System.out, DemoEvents.NONE);
            ok = verdict(outcome.summary()) && outcome.check().missing() == 0 && outcome.killedMemberStaleReads() == 0;
        } else {
            ok = verdict(EmbeddedDemo.run(options, System.out, DemoEvents.NONE));
        }
        System.out.println(
                ok
                        ? "\nEvery check held. Everything the demo started has stopped."
                        : "\nCHECK FAILED (see above). Everything the demo started has stopped.");
        if (!ok) {
            throw new IllegalStateException("the demo's checks failed: see the summary");
        }
    }

    private static boolean verdict(Summary summary) {
        return summary.staleReads() == 0 && summary.errors() == 0;
    }
}
