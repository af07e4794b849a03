package io.strata.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.strata.testkit.internal.Processes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Topologies that each test starts and ends itself. */
class PgTopologyLifecycleTest {

    @Test
    void promoteMakesTheReplicaWritable() {
        try (PgTopology topology = PgTopology.builder().replicasPerShard(1).start()) {
            PgServer replica = topology.shard(0).replica(0);
            topology.shard(0).primary().execute("CREATE TABLE t (v int)");
            // Replication is asynchronous: the replica refuses the write as read-only once it has the table.
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> replica.queryLong("SELECT count(*) FROM pg_class WHERE relname = 't'") == 1);
            assertThatThrownBy(() -> replica.execute("INSERT INTO t VALUES (1)"))
                    .hasMessageContaining("read-only");
            replica.promote();
            assertThat(replica.inRecovery()).isFalse();
            replica.execute("INSERT INTO t VALUES (1)");
            assertThat(replica.queryLong("SELECT count(*) FROM t")).isEqualTo(1);
        }
    }

    @Test
    void closeLeavesNoProcessAndNoDirectoryBehind() {
        List<Long> pids = new ArrayList<>();
        List<Path> dirs = new ArrayList<>();
        try (PgTopology topology =
                PgTopology.builder().shards(2).replicasPerShard(1).start()) {
            for (PgShard shard : topology.shards()) {
                for (PgServer server : shard.servers()) {
                    pids.add(server.pid());
                    ProcessHandle.of(server.pid()).orElseThrow().descendants().forEach(d -> pids.add(d.pid()));
                    dirs.add(server.dataDirectory());
                }
            }
            assertThat(pids).hasSizeGreaterThan(4); // postmasters and their backends / walsenders / walreceivers
        }
        // A zombie (exited, waiting for init to reap it) is not a process that remains.
        assertThat(pids)
                .allSatisfy(pid ->
                        assertThat(Processes.alive(pid)).as("pid %d alive", pid).isFalse());
        assertThat(dirs).allSatisfy(dir -> assertThat(Files.exists(dir)).isFalse());
    }

    @Test
    void settingsReachEveryServer() {
        try (PgTopology topology = PgTopology.builder()
                .replicasPerShard(1)
                .setting("max_standby_streaming_delay", "0")
                .setting("hot_standby_feedback", "off")
                .start()) {
            for (PgServer server : topology.shard(0).servers()) {
                assertThat(server.queryString("SHOW max_standby_streaming_delay"))
                        .isEqualTo("0");
                assertThat(server.queryString("SHOW hot_standby_feedback")).isEqualTo("off");
            }
        }
    }

    @Test
    void badBuilderArgumentsNameTheSettingAndValue() {
        assertThatThrownBy(() -> PgTopology.builder().shards(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("shards must be at least 1, was 0");
        assertThatThrownBy(() -> PgTopology.builder().replicasPerShard(-1))
                .hasMessage("replicasPerShard must be 0 or more, was -1");
        assertThatThrownBy(() -> PgTopology.builder().setting("port", "5432")).hasMessageContaining("port");
        assertThatThrownBy(() -> PgTopology.builder().settings("fsync"))
                .hasMessage("settings entries must read name=value, was 'fsync'");
    }

    @Test
    void aServerThatCannotStartFailsWithItsLog() {
        assertThatThrownBy(() -> PgTopology.builder()
                        .setting("shared_buffers", "not-a-size")
                        .start())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("shard0-primary")
                .hasMessageContaining("shared_buffers");
    }
}
