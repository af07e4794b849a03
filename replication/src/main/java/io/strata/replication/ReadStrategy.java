package io.strata.replication;

import io.strata.replication.internal.ReadStrategies;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Picks which qualifying replica serves a read. The router has already removed replicas that
 * are down, have an open circuit or are too stale for the read's consistency; a strategy only
 * balances among the rest. Implementations are thread-safe and never block.
 */
public interface ReadStrategy {

    /**
     * Picks one of {@code candidates}.
     *
     * @param candidates qualifying replicas, never empty
     * @return one element of {@code candidates}
     */
    ReadCandidate choose(List<? extends ReadCandidate> candidates);

    /** The strategy's name, as accepted by {@link #named}. */
    String name();

    /** Cycles through the candidates. */
    static ReadStrategy roundRobin() {
        return ReadStrategies.roundRobin();
    }

    /** The candidate with the fewest lent-out pool connections (ties: round-robin). */
    static ReadStrategy leastConnections() {
        return ReadStrategies.leastConnections();
    }

    /** The candidate with the smallest replay lag in bytes (ties: round-robin). */
    static ReadStrategy lowestLag() {
        return ReadStrategies.lowestLag();
    }

    /** A random candidate, with probability proportional to its configured weight. */
    static ReadStrategy weightedRandom() {
        return ReadStrategies.weightedRandom();
    }

    /** A random candidate, with probability proportional to weight times health. */
    static ReadStrategy healthWeighted() {
        return ReadStrategies.healthWeighted();
    }

    /**
     * The strategy with this name: {@code round-robin}, {@code least-connections},
     * {@code lowest-lag}, {@code weighted-random} or {@code health-weighted}.
     *
     * @throws IllegalArgumentException naming the value when it is none of these
     */
    static ReadStrategy named(String name) {
        Objects.requireNonNull(name, "readStrategy");
        switch (name.trim().toLowerCase(Locale.ROOT).replace('_', '-')) {
            case "round-robin":
                return roundRobin();
            case "least-connections":
                return leastConnections();
            case "lowest-lag":
                return lowestLag();
            case "weighted-random":
                return weightedRandom();
            case "health-weighted":
                return healthWeighted();
            default:
                throw new IllegalArgumentException("readStrategy must be one of round-robin, least-connections, "
                        + "lowest-lag, weighted-random, health-weighted, was '" + name + "'");
        }
    }
}
