package io.strata.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** A real 2 x (1 primary + 1 replica) topology: replication works and every fault does what it says. */
@WithPgTopology(shards = 2, replicasPerShard = 1)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PgTopologyTest {

    @BeforeAll
    static void schema(PgTopology topology) {
        for (PgShard shard : topology.shards()) {
            shard.primary().execute("CREATE TABLE items (id bigint PRIMARY KEY, shard text NOT NULL)");
        }
    }

    @Test
    @Order(1)
    void serversHaveTheirRoles(PgTopology topology) {
        assertThat(topology.shards()).hasSize(2);
        for (PgShard shard : topology.shards()) {
            assertThat(shard.primary().inRecovery()).isFalse();
            assertThat(shard.replicas())
                    .singleElement()
                    .satisfies(r -> assertThat(r.inRecovery()).isTrue());
            assertThat(shard.primary().queryString("SHOW max_prepared_transactions"))
                    .isEqualTo("64");
            assertThat(shard.primary().queryString("SHOW wal_level")).isEqualTo("replica");
        }
        assertThat(topology.shard(0).primary().name()).isEqualTo("shard0-primary");
        assertThat(topology.shard(1).replica(0).name()).isEqualTo("shard1-replica0");
    }

    @Test
    @Order(2)
    void aRowWrittenOnEachPrimaryBecomesVisibleOnItsReplicas(PgTopology topology) {
        for (PgShard shard : topology.shards()) {
            shard.primary().execute("INSERT INTO items VALUES (" + (100 + shard.index()) + ", '" + shard.name() + "')");
        }
        for (PgShard shard : topology.shards()) {
            PgServer replica = shard.replica(0);
            await().atMost(Duration.ofSeconds(10))
                    .until(() ->
                            replica.queryLong("SELECT count(*) FROM items WHERE id = " + (100 + shard.index())) == 1);
            assertThat(replica.queryString("SELECT shard FROM items WHERE id = " + (100 + shard.index())))
                    .isEqualTo(shard.name());
            // and only its own shard's row: shards are separate clusters
            assertThat(replica.queryLong("SELECT count(*) FROM items")).isEqualTo(1);
        }
    }

    @Test
    @Order(3)
    void pausedReplayHoldsTheReplicaLsnWhileThePrimaryAdvances(PgTopology topology) {
        PgServer primary = topology.shard(0).primary();
        PgServer replica = topology.shard(0).replica(0);
        replica.pauseReplay();
        String held = replica.replayLsn();
        for (int i = 0; i < 20; i++) {
            primary.execute("INSERT INTO items VALUES (" + (1000 + i) + ", 'paused')");
        }
        String primaryLsn = primary.currentWalLsn();
        assertThat(lsnDiff(primary, primaryLsn, held)).isPositive();
        // the replica receives WAL but does not apply it
        await().during(Duration.ofMillis(300))
                .atMost(Duration.ofSeconds(5))
                .until(() -> replica.replayLsn().equals(held));
        assertThat(replica.queryLong("SELECT count(*) FROM items WHERE shard = 'paused'"))
                .isZero();

        replica.resumeReplay();
        await().atMost(Duration.ofSeconds(10)).until(() -> lsnDiff(primary, replica.replayLsn(), primaryLsn) >= 0);
        assertThat(replica.queryLong("SELECT count(*) FROM items WHERE shard = 'paused'"))
                .isEqualTo(20);
    }

    @Test
    @Order(4)
    void aFrozenReplicaAnswersNothingUntilThawed(PgTopology topology) throws SQLException {
        PgServer replica = topology.shard(1).replica(0);
        try (Connection c = replica.connect();
                Statement s = c.createStatement()) {
            replica.freeze();
            assertThat(replica.isRunning()).isTrue();
            // freeze() returns once the whole tree is stopped, not merely signalled
            List<ProcessHandle> tree = io.strata.testkit.internal.Processes.tree(
                    ProcessHandle.of(replica.pid()).orElseThrow());
            assertThat(tree).hasSizeGreaterThan(1);
            assertThat(tree)
                    .allSatisfy(p -> assertThat(io.strata.testkit.internal.Processes.state(p.pid()))
                            .as("state of pid %d", p.pid())
                            .isIn('T', 't'));
            s.setQueryTimeout(1);
            c.setNetworkTimeout(Runnable::run, 1500);
            assertThatThrownBy(() -> s.executeQuery("SELECT 1")).isInstanceOf(SQLException.class);
        } finally {
            replica.thaw();
        }
        assertThat(replica.queryLong("SELECT 1")).isEqualTo(1);
    }

    @Test
    @Order(5)
    void terminateBackendsEndsOtherSessions(PgTopology topology) throws SQLException {
        PgServer primary = topology.shard(1).primary();
        try (Connection victim = primary.connect()) {
            assertThat(primary.terminateBackends()).isGreaterThanOrEqualTo(1);
            assertThatThrownBy(() -> victim.createStatement().executeQuery("SELECT 1"))
                    .isInstanceOf(SQLException.class);
        }
    }

    @Test
    @Order(6)
    void killingAReplicaLeavesItsPrimaryServing_andRestartResumesStreaming(PgTopology topology) {
        PgShard shard = topology.shard(1);
        PgServer replica = shard.replica(0);
        long pid = replica.pid();
        String shmid = interlockSegmentId(replica);
        replica.kill();
        assertThat(replica.isRunning()).isFalse();
        assertThat(io.strata.testkit.internal.Processes.alive(pid)).isFalse();
        // A SIGKILLed postmaster leaves its System V segment behind; the testkit removes it, or
        // repeated runs exhaust the kernel's SHMMNI and no PostgreSQL on the machine starts.
        assertThat(segmentExists(shmid))
                .as("System V segment " + shmid + " after kill")
                .isFalse();
        shard.primary().execute("INSERT INTO items VALUES (2000, 'after-kill')");
        assertThat(shard.primary().queryLong("SELECT count(*) FROM items WHERE id = 2000"))
                .isEqualTo(1);

        replica.start();
        await().atMost(Duration.ofSeconds(15))
                .until(() -> replica.queryLong("SELECT count(*) FROM items WHERE id = 2000") == 1);
    }

    private static String interlockSegmentId(PgServer server) {
        try {
            return java.nio.file.Files.readAllLines(server.dataDirectory().resolve("postmaster.pid"))
                    .get(6)
                    .trim()
                    .split("\\s+")[1];
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static boolean segmentExists(String shmid) {
        try {
            // `ipcs -m -i id` exits 0 even for an unknown id: read the list instead.
            Process ipcs =
                    new ProcessBuilder("ipcs", "-m").redirectErrorStream(true).start();
            String out = new String(ipcs.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            ipcs.waitFor();
            return out.lines().map(l -> l.trim().split("\\s+")).anyMatch(f -> f.length > 1 && f[1].equals(shmid));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    @Order(7)
    void anImmediatelyStoppedPrimaryRecoversEveryCommittedRow(PgTopology topology) {
        PgServer primary = topology.shard(0).primary();
        primary.execute("INSERT INTO items VALUES (3000, 'before-crash')");
        primary.stop(StopMode.IMMEDIATE);
        assertThat(primary.isRunning()).isFalse();
        primary.start();
        assertThat(primary.queryLong("SELECT count(*) FROM items WHERE id = 3000"))
                .isEqualTo(1);
        PgServer replica = topology.shard(0).replica(0);
        primary.execute("INSERT INTO items VALUES (3001, 'after-restart')");
        await().atMost(Duration.ofSeconds(15))
                .until(() -> replica.queryLong("SELECT count(*) FROM items WHERE id = 3001") == 1);
    }

    private static long lsnDiff(PgServer server, String a, String b) {
        return server.queryLong("SELECT pg_wal_lsn_diff('" + a + "', '" + b + "')::bigint");
    }
}
