package io.strata.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Gives a JUnit 5 test class one {@link PgTopology}, started before its first test and closed after
 * its last, and injects it into any constructor or method parameter of type {@code PgTopology}.
 * {@code @Nested} classes share their enclosing class's topology.
 *
 * <pre>{@code
 * @WithPgTopology(shards = 2, replicasPerShard = 1)
 * class RoutingTest {
 *     @Test
 *     void writesReachTheReplica(PgTopology topology) { ... }
 * }
 * }</pre>
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@ExtendWith(PgTopologyExtension.class)
public @interface WithPgTopology {

    /** Number of shards. */
    int shards() default 1;

    /** Streaming replicas per shard. */
    int replicasPerShard() default 0;

    /** Whether the servers run with {@code wal_level = logical} (see {@link PgTopologyBuilder#logicalReplication()}). */
    boolean logicalReplication() default false;

    /** {@code postgresql.conf} overrides, each {@code name=value}. */
    String[] settings() default {};
}
