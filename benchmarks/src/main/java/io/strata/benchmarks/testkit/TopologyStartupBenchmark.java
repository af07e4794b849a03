package io.strata.benchmarks.testkit;

import io.strata.benchmarks.Benchmark;
import io.strata.benchmarks.BenchmarkContext;
import io.strata.testkit.PgTopology;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Time to start a 2-shard x (1 primary + 1 replica) topology, against the baseline of one
 * standalone server started by the same testkit in the same run (warm binaries and template).
 */
public final class TopologyStartupBenchmark implements Benchmark {

    private static final int ROUNDS = 7;

    @Override
    public String name() {
        return "topology-startup";
    }

    @Override
    public String run(BenchmarkContext context) {
        // Warm-up: unpacks the binaries and makes the initdb template on a fresh machine.
        long cold = time(1, 0);
        List<Long> single = new ArrayList<>();
        List<Long> topology = new ArrayList<>();
        for (int i = 0; i < ROUNDS; i++) { // interleaved, so drift on a shared machine hits both alike
            single.add(time(1, 0));
            topology.add(time(2, 1));
        }
        long s = median(single);
        long t = median(topology);
        return """
                ### Testkit: topology start-up

                | what | median of %d (ms) | ratio |
                |---|---|---|
                | 1 standalone server (baseline) | %d | 1.00 |
                | 2 shards x (1 primary + 1 streaming replica), replicas streaming | %d | %.2f |

                First start in this JVM (unpacks binaries if absent, makes the initdb template if absent): %d ms.
                Goal: a 2 x (1+1) topology in well under 20 s on 2 cores.
                %s
                Rerun: `mvn -B -q -pl benchmarks exec:exec -Dbench=topology-startup`
                """.formatted(ROUNDS, s, t, (double) t / s, cold, context.machineLine());
    }

    private static long time(int shards, int replicas) {
        long t0 = System.nanoTime();
        try (PgTopology ignored =
                PgTopology.builder().shards(shards).replicasPerShard(replicas).start()) {
            return (System.nanoTime() - t0) / 1_000_000;
        }
    }

    private static long median(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }
}
