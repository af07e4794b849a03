package io.strata.replication.internal;

import com.zaxxer.hikari.HikariConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.MeterRegistry;
import io.strata.replication.Consistency;
import io.strata.replication.NoReplicaPolicy;
import io.strata.replication.ReadStrategy;
import io.strata.replication.SqlClassifier;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The sealed configuration of one replica set, copied out of the builder.
 *
 * @param circuitBreaker null for the default
 * @param meterRegistry null for none
 * @param statementNetworkTimeout zero for none
 * @param cluster null when lag samples are not shared in a cluster
 * @param ignoreLagForTesting deliberately broken routing (every replica counts as fresh), only
 *     for tests that show a checker catches stale reads
 */
public record ReplicaSetConfig(
        String name,
        List<NodeSpec> nodes,
        @Nullable String username,
        @Nullable String password,
        Consumer<HikariConfig> primaryPool,
        Consumer<HikariConfig> replicaPool,
        Consistency consistency,
        Duration maxLag,
        ReadStrategy readStrategy,
        Duration pollInterval,
        Duration nodeTimeout,
        Duration readYourWritesWait,
        NoReplicaPolicy noReplicaPolicy,
        int primaryFallbackConcurrency,
        Duration primaryFallbackWait,
        Duration statementNetworkTimeout,
        SqlClassifier classifier,
        @Nullable CircuitBreakerConfig circuitBreaker,
        @Nullable MeterRegistry meterRegistry,
        Clock clock,
        @Nullable ClusterSettings cluster,
        boolean ignoreLagForTesting) {}
