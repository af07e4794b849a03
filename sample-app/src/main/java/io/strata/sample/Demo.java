package io.strata.sample;

/**
 * The demo a newcomer runs first: {@code mvn -B -q -pl sample-app -am package -DskipTests exec:java}.
 * A small shop embedding Strata runs a mixed workload against real PostgreSQL shards with streaming
 * replicas, Redis and Hazelcast, then prints what happened. Options are system properties (see
 * {@link DemoOptions}): {@code -Dduration=20s}, {@code -Dmembers=3 -Dkill=2} for the cluster mode,
 * {@code -Dconfig=shop.yaml} for the external mode.
 */
public final class Demo {

    private Demo() {
    }

    /** Runs the demo; the summary says whether every check held. */
    public static void main(String[] args) throws Exception {
        System.setProperty("hazelcast.logging.type", "slf4j");
        DemoOptions options = DemoOptions.from(System.getProperties());
        Summary summary = EmbeddedDemo.run(options, System.out, DemoEvents.NONE);
        System.out.println(summary.staleReads() == 0 && summary.errors() == 0
                ? "\nNo stale read, no error. All servers stopped."
                : "\nCHECK FAILED: " + summary.staleReads() + " stale reads, " + summary.errors() + " errors.");
    }
}
