package io.strata.replication.internal;

import io.strata.replication.ReadCandidate;
import io.strata.replication.ReadStrategy;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/** The built-in {@link ReadStrategy} implementations. */
public final class ReadStrategies {

    private ReadStrategies() {}

    public static ReadStrategy roundRobin() {
        return new RoundRobin();
    }

    public static ReadStrategy leastConnections() {
        return new Lowest("least-connections", ReadCandidate::activeConnections);
    }

    public static ReadStrategy lowestLag() {
        return new Lowest("lowest-lag", ReadCandidate::lagBytes);
    }

    public static ReadStrategy weightedRandom() {
        return new Weighted("weighted-random", ReadCandidate::weight);
    }

    public static ReadStrategy healthWeighted() {
        return new Weighted("health-weighted", c -> c.weight() * Math.max(0.0, Math.min(1.0, c.health())));
    }

    private static final class RoundRobin implements ReadStrategy {
        private final AtomicInteger next = new AtomicInteger();

        @Override
        public ReadCandidate choose(List<? extends ReadCandidate> candidates) {
            int n = candidates.size();
            return candidates.get(Math.floorMod(next.getAndIncrement(), n));
        }

        @Override
        public String name() {
            return "round-robin";
        }

        @Override
        public String toString() {
            return name();
        }
    }

    /** The candidate with the smallest metric; ties are broken round-robin so load spreads. */
    private static final class Lowest implements ReadStrategy {
        private final String name;
        private final ToLongFunction<ReadCandidate> metric;
        private final AtomicInteger next = new AtomicInteger();

        Lowest(String name, ToLongFunction<ReadCandidate> metric) {
            this.name = name;
            this.metric = metric;
        }

        @Override
        public ReadCandidate choose(List<? extends ReadCandidate> candidates) {
            int n = candidates.size();
            int start = Math.floorMod(next.getAndIncrement(), n);
            ReadCandidate best = null;
            long bestValue = Long.MAX_VALUE;
            for (int i = 0; i < n; i++) {
                ReadCandidate c = candidates.get((start + i) % n);
                long v = metric.applyAsLong(c);
                if (best == null || v < bestValue) {
                    best = c;
                    bestValue = v;
                }
            }
            // candidates is never empty (floorMod above throws on an empty list), so best is set
            return Objects.requireNonNull(best, "ReadStrategy candidates are never empty");
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** Random, proportional to a weight; if every weight is zero, uniform. */
    private static final class Weighted implements ReadStrategy {
        private final String name;
        private final ToDoubleFunction<ReadCandidate> weight;

        Weighted(String name, ToDoubleFunction<ReadCandidate> weight) {
            this.name = name;
            this.weight = weight;
        }

        @Override
        public ReadCandidate choose(List<? extends ReadCandidate> candidates) {
            int n = candidates.size();
            double total = 0;
            double[] w = new double[n];
            for (int i = 0; i < n; i++) {
                double v = weight.applyAsDouble(candidates.get(i));
                w[i] = v > 0 && Double.isFinite(v) ? v : 0;
                total += w[i];
            }
            ThreadLocalRandom random = ThreadLocalRandom.current();
            if (total <= 0) {
                return candidates.get(random.nextInt(n));
            }
            double r = random.nextDouble(total);
            for (int i = 0; i < n; i++) {
                r -= w[i];
                if (r < 0) {
                    return candidates.get(i);
                }
            }
            for (int i = n - 1; i >= 0; i--) { // rounding: the last candidate with weight
                if (w[i] > 0) {
                    return candidates.get(i);
                }
            }
            return candidates.get(n - 1);
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public String toString() {
            return name;
        }
    }
}
