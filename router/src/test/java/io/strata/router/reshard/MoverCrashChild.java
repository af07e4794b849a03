package io.strata.router.reshard;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.strata.router.KeyType;
import io.strata.router.internal.reshard.Mover;
import io.strata.router.internal.reshard.MoverSettings;
import io.strata.router.internal.reshard.MoverTables;
import io.strata.router.internal.reshard.ShardEndpoint;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Run in a child JVM by {@link MoverCrashTest}: drives a plan that adds {@code shard2}, printing
 * {@code AT <phase>} as the move enters each phase; at the phase named by the arguments it stops
 * for good (the parent kills it with SIGKILL).
 *
 * <p>Arguments: stop-phase, accounts table, countries table, user, then {@code name=jdbcUrl} per shard.
 */
public final class MoverCrashChild {

    private MoverCrashChild() {}

    public static void main(String[] args) throws Exception {
        MoveStatus.Phase stopAt = MoveStatus.Phase.valueOf(args[0]);
        Map<String, ShardEndpoint> endpoints = new LinkedHashMap<>();
        for (int i = 4; i < args.length; i++) {
            String[] kv = args[i].split("=", 2);
            endpoints.put(kv[0], new ShardEndpoint(kv[0], kv[1], args[3], null));
        }
        MoverTables tables =
                new MoverTables(List.of(new MoverTables.Sharded(args[1], "id", KeyType.LONG)), List.of(args[2]));
        Mover mover = new Mover(
                endpoints,
                tables,
                MoverSettings.defaults(MoverCopyTest.SLOTS, "shard0"),
                new SimpleMeterRegistry(),
                (id, phase) -> {
                    System.out.println("AT " + phase);
                    System.out.flush();
                    if (phase == stopAt) {
                        while (true) {
                            try {
                                Thread.sleep(60_000);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        }
                    }
                });
        MovePlan plan = mover.planAddShards("crash", List.of("shard2"));
        mover.run(plan, Duration.ofMinutes(5));
        System.out.println("FINISHED");
    }
}
