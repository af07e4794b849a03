package io.strata.replication.internal;

import io.micrometer.core.instrument.Clock;
import java.time.Duration;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * What makes two data sources' monitors of a node the same monitor: the server (its JDBC URL,
 * or the very same {@link DataSource} object), the credentials, the timing, the clock and the
 * cluster the samples are shared in. Data sources that agree on all of it share one
 * {@link NodeMonitor}: one thread, one connection, one poll per interval for the whole JVM.
 *
 * @param cluster null when samples are not shared in a cluster
 */
record MonitorKey(
        @Nullable String jdbcUrl,
        @Nullable DataSource dataSource,
        @Nullable String username,
        @Nullable String password,
        Duration pollInterval,
        Duration nodeTimeout,
        Clock clock,
        @Nullable SampleExchange cluster) {

    static MonitorKey of(NodeSpec spec, ReplicaSetConfig config, @Nullable SampleExchange cluster) {
        return new MonitorKey(
                spec.jdbcUrl(),
                spec.dataSource(),
                config.username(),
                config.password(),
                config.pollInterval(),
                config.nodeTimeout(),
                config.clock(),
                cluster);
    }

    /**
     * The node's name in the cluster: its JDBC URL (every member must configure a server with
     * the same URL for the members to share its samples); null for a node given as a
     * DataSource, which is always polled locally.
     */
    @Nullable
    String clusterName() {
        return jdbcUrl;
    }

    /** For log messages and metric tags: the URL, never the password. */
    String target() {
        return jdbcUrl != null ? jdbcUrl : String.valueOf(dataSource);
    }

    @Override
    public String toString() {
        return target(); // never print the password
    }
}
