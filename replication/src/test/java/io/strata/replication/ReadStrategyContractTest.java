package io.strata.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** What every {@link ReadStrategy} must do; each implementation's test extends this. */
abstract class ReadStrategyContractTest {

    record Candidate(String name, long lagBytes, Duration lag, int activeConnections, double weight, double health)
            implements ReadCandidate {
        static Candidate plain(String name) {
            return new Candidate(name, 0, Duration.ZERO, 0, 1.0, 1.0);
        }
    }

    abstract ReadStrategy strategy();

    final List<Candidate> three = List.of(Candidate.plain("a"), Candidate.plain("b"), Candidate.plain("c"));

    @Test
    void choose_returnsOneOfTheCandidates() {
        ReadStrategy s = strategy();
        for (int i = 0; i < 100; i++) {
            assertThat(three).contains((Candidate) s.choose(three));
        }
    }

    @Test
    void choose_withOneCandidate_returnsIt() {
        ReadStrategy s = strategy();
        List<Candidate> one = List.of(Candidate.plain("only"));
        for (int i = 0; i < 10; i++) {
            assertThat(s.choose(one)).isSameAs(one.get(0));
        }
    }

    @Test
    void choose_amongEqualCandidates_spreadsOverAllOfThem() {
        ReadStrategy s = strategy();
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 3000; i++) {
            counts.merge(s.choose(three).name(), 1, Integer::sum);
        }
        assertThat(counts).containsOnlyKeys("a", "b", "c");
        assertThat(counts.values()).allSatisfy(n -> assertThat(n).isGreaterThan(600));
    }

    @Test
    void choose_isSafeFromManyThreads() throws Exception {
        ReadStrategy s = strategy();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        Map<String, Integer> counts = new ConcurrentHashMap<>();
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < 10_000; i++) {
                        ReadCandidate c = s.choose(three);
                        assertThat(three).contains((Candidate) c);
                        counts.merge(c.name(), 1, Integer::sum);
                    }
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(counts.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(40_000);
    }

    @Test
    void name_isAcceptedByNamed() {
        ReadStrategy s = strategy();
        assertThat(ReadStrategy.named(s.name()).name()).isEqualTo(s.name());
    }
}

class RoundRobinStrategyTest extends ReadStrategyContractTest {
    @Override
    ReadStrategy strategy() {
        return ReadStrategy.roundRobin();
    }

    @Test
    void choose_cyclesInOrder() {
        ReadStrategy s = strategy();
        List<String> picks = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            picks.add(s.choose(three).name());
        }
        assertThat(picks).containsExactly("a", "b", "c", "a", "b", "c");
    }
}

class LeastConnectionsStrategyTest extends ReadStrategyContractTest {
    @Override
    ReadStrategy strategy() {
        return ReadStrategy.leastConnections();
    }

    @Test
    void choose_prefersTheFewestActiveConnections() {
        List<Candidate> c = List.of(
                new Candidate("busy", 0, Duration.ZERO, 5, 1, 1), new Candidate("idle", 0, Duration.ZERO, 1, 1, 1));
        for (int i = 0; i < 10; i++) {
            assertThat(strategy().choose(c).name()).isEqualTo("idle");
        }
    }
}

class LowestLagStrategyTest extends ReadStrategyContractTest {
    @Override
    ReadStrategy strategy() {
        return ReadStrategy.lowestLag();
    }

    @Test
    void choose_prefersTheSmallestLag() {
        List<Candidate> c = List.of(
                new Candidate("behind", 4096, Duration.ofMillis(50), 0, 1, 1),
                new Candidate("fresh", 0, Duration.ZERO, 0, 1, 1));
        ReadStrategy s = strategy();
        for (int i = 0; i < 10; i++) {
            assertThat(s.choose(c).name()).isEqualTo("fresh");
        }
    }
}

class WeightedRandomStrategyTest extends ReadStrategyContractTest {
    @Override
    ReadStrategy strategy() {
        return ReadStrategy.weightedRandom();
    }

    @Test
    void choose_followsTheWeights() {
        List<Candidate> c = List.of(
                new Candidate("heavy", 0, Duration.ZERO, 0, 3, 1), new Candidate("light", 0, Duration.ZERO, 0, 1, 1));
        int heavy = 0;
        for (int i = 0; i < 8000; i++) {
            if (strategy().choose(c).name().equals("heavy")) {
                heavy++;
            }
        }
        assertThat(heavy).isBetween(5600, 6400); // expected 6000
    }
}

class HealthWeightedStrategyTest extends ReadStrategyContractTest {
    @Override
    ReadStrategy strategy() {
        return ReadStrategy.healthWeighted();
    }

    @Test
    void choose_avoidsAnUnhealthyCandidate() {
        List<Candidate> c = List.of(
                new Candidate("sick", 0, Duration.ZERO, 0, 1, 0.0), new Candidate("well", 0, Duration.ZERO, 0, 1, 1.0));
        for (int i = 0; i < 200; i++) {
            assertThat(strategy().choose(c).name()).isEqualTo("well");
        }
    }
}
