package io.strata.replication;

import static io.strata.replication.TestReplicaSets.state;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.strata.testkit.PgServer;
import io.strata.testkit.PgShard;
import io.strata.testkit.PgTopology;
import io.strata.testkit.WithPgTopology;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 18, deliverable 1: data sources in one JVM share one monitor per server (one thread,
 * one connection, one poll per interval), reference counted and closed with the last user.
 * Counted on the servers ({@code pg_stat_activity} by application name).
 */
@WithPgTopology(shards = 1, replicasPerShard = 1)
class SharedMonitorTest {

    private final PgShard shard;

    SharedMonitorTest(PgTopology topology) {
        this.shard = topology.shard(0);
    }

    private static long monitorConnections(PgServer s) {
        return s.queryLong("select count(*) from pg_stat_activity where application_name = 'strata-lag-monitor'");
    }

    @Test
    void fourDataSourcesOverOneShardHoldOneMonitorConnectionPerServer() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        List<ReplicaSetDataSource> all = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                all.add(TestReplicaSets.build(shard, b -> b.meterRegistry(registry)));
            }
            for (PgServer s : List.of(shard.primary(), shard.replica(0))) {
                await().atMost(Duration.ofSeconds(20)).until(() -> monitorConnections(s) == 1);
            }
            // The last user keeps it: closing three of four leaves the monitor running and fresh.
            for (int i = 0; i < 3; i++) {
                all.remove(0).close();
            }
            ReplicaSetDataSource last = all.get(0);
            shard.primary().execute("create table if not exists shared_monitor (id int)");
            shard.primary().execute("insert into shared_monitor values (1)");
            long target = shard.primary().queryLong("select (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint");
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> state(last, shard.replica(0).name()).lsn() >= target);
            assertThat(monitorConnections(shard.primary())).isEqualTo(1);
            assertThat(registry.find("strata.replication.monitor.polls")
                            .tag("source", "own")
                            .functionCounters())
                    .isNotEmpty();
            assertThat(registry.find("strata.replication.connections")
                            .tag("kind", "monitor")
                            .gauges())
                    .anyMatch(g -> g.value() == 1.0);
        } finally {
            all.forEach(ReplicaSetDataSource::close);
        }
        // The last user closes it.
        for (PgServer s : List.of(shard.primary(), shard.replica(0))) {
            await().atMost(Duration.ofSeconds(20)).until(() -> monitorConnections(s) == 0);
        }
    }

    @Test
    void dataSourcesWithDifferentMonitorSettingsDoNotShare() {
        try (ReplicaSetDataSource a = TestReplicaSets.build(shard, b -> {});
                ReplicaSetDataSource b = TestReplicaSets.build(shard, x -> x.pollInterval(Duration.ofMillis(200)))) {
            await().atMost(Duration.ofSeconds(20)).until(() -> monitorConnections(shard.primary()) == 2);
            assertThat(a.nodeStates()).allMatch(NodeState::up);
            assertThat(b.nodeStates()).allMatch(NodeState::up);
        }
    }
}
