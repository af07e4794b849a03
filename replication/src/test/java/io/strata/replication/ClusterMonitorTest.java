package io.strata.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hazelcast.core.HazelcastInstance;
import io.micrometer.core.instrument.FunctionCounter;
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
 * Issue 18, deliverable 2, in one JVM: three real Hazelcast members (separate instances, TCP on
 * loopback), each with its own data source over one shard, divide the servers between them: one
 * monitor connection per server, the others apply the published samples; when the member that
 * polls a server leaves, another takes over.
 */
@WithPgTopology(shards = 1, replicasPerShard = 1)
class ClusterMonitorTest {

    private final PgShard shard;

    ClusterMonitorTest(PgTopology topology) {
        this.shard = topology.shard(0);
    }

    private static long monitorConnections(PgServer s) {
        return s.queryLong("select count(*) from pg_stat_activity where application_name = 'strata-lag-monitor'");
    }

    private static double count(SimpleMeterRegistry r, String name, String tag, String value) {
        return r.find(name).tag(tag, value).functionCounters().stream()
                .mapToDouble(FunctionCounter::count)
                .sum();
    }

    @Test
    void membersShareOnePollerPerServerAndReassignWhenItLeaves() {
        List<HazelcastInstance> members = HazelcastTestMembers.start(3);
        List<SimpleMeterRegistry> registries = new ArrayList<>();
        List<ReplicaSetDataSource> sources = new ArrayList<>();
        try {
            for (HazelcastInstance hz : members) {
                SimpleMeterRegistry r = new SimpleMeterRegistry();
                registries.add(r);
                sources.add(TestReplicaSets.build(shard, b -> b.cluster(hz).meterRegistry(r)));
            }
            List<PgServer> servers = List.of(shard.primary(), shard.replica(0));
            for (PgServer s : servers) {
                await().atMost(Duration.ofSeconds(60)).until(() -> monitorConnections(s) == 1);
            }
            // Every member is kept fresh: samples arrive from the cluster at the members that do not poll.
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> registries.stream()
                                    .filter(r ->
                                            count(r, "strata.replication.monitor.samples", "outcome", "applied") > 0)
                                    .count()
                            >= 2);
            for (ReplicaSetDataSource ds : sources) {
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> ds.nodeStates().stream().allMatch(NodeState::up));
            }
            // The member that polls the primary leaves (its data source with it): another takes over.
            int poller = -1;
            double most = -1;
            for (int i = 0; i < registries.size(); i++) {
                double own = registries
                        .get(i)
                        .find("strata.replication.monitor.polls")
                        .tag("node", shard.primary().name())
                        .tag("source", "own")
                        .functionCounter()
                        .count();
                if (own > most) {
                    most = own;
                    poller = i;
                }
            }
            sources.get(poller).close();
            members.get(poller).getLifecycleService().terminate();
            int gone = poller;
            await().atMost(Duration.ofSeconds(60)).until(() -> monitorConnections(shard.primary()) == 1);
            shard.primary().execute("create table if not exists cluster_monitor (id int)");
            shard.primary().execute("insert into cluster_monitor values (1)");
            long target = shard.primary().queryLong("select (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint");
            for (int i = 0; i < sources.size(); i++) {
                if (i == gone) {
                    continue;
                }
                ReplicaSetDataSource ds = sources.get(i);
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> TestReplicaSets.state(ds, shard.primary().name())
                                                .lsn()
                                        >= target
                                && TestReplicaSets.state(ds, shard.replica(0).name())
                                                .lsn()
                                        >= target);
            }
            assertThat(monitorConnections(shard.replica(0))).isEqualTo(1);
        } finally {
            sources.forEach(ReplicaSetDataSource::close);
            members.forEach(m -> m.getLifecycleService().terminate());
        }
    }
}
