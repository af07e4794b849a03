package io.strata.router.reshard;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.router.internal.reshard.Mover;
import io.strata.router.internal.reshard.MoverSettings;
import io.strata.testkit.PgTopology;
import io.strata.testkit.WithPgTopology;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The mover alone, without members: 2 shards x (1+1) plus a spare shard; a plan moves half of
 * shard0's slots into the spare while a writer keeps updating and inserting rows straight on the
 * owners it reads from the map (reloading it when the fence answers SR020). Then every row the
 * writer acknowledged is on its owner exactly once, with its last value.
 */
@WithPgTopology(shards = 3, replicasPerShard = 1, logicalReplication = true)
class MoverCopyTest {

    static final int SLOTS = 4096;

    @Test
    void aMoveIntoASpareShardCopiesCatchesUpAndCutsOverWhileWritesGoOn(PgTopology topology) throws Exception {
        ReshardFixture fx = new ReshardFixture(topology, "mc_", 2);
        fx.load(3000);
        Mover mover = fx.mover(MoverSettings.defaults(SLOTS, "shard0"), (id, phase) -> {});
        MovePlan plan = mover.planAddShards("grow1", List.of("shard2"));
        assertThat(plan.moves()).singleElement().satisfies(m -> {
            assertThat(m.source()).isEqualTo("shard0");
            assertThat(m.ranges()).containsExactly(new MovePlan.SlotRange(1024, 2047));
        });
        AtomicBoolean stop = new AtomicBoolean();
        Thread writer = fx.writer(stop);
        writer.start();
        mover.run(plan, Duration.ofMinutes(2));
        fx.awaitWrites(200);
        stop.set(true);
        writer.join();
        assertThat(fx.writerError()).isNull();
        assertThat(ReshardFixture.status(mover, "grow1"))
                .allSatisfy(s -> assertThat(s.phase()).isEqualTo(MoveStatus.Phase.DONE));
        fx.assertClean();

        // The CLI reads an application YAML (password through ${ENV}) and reports the journal.
        StringBuilder yaml = new StringBuilder("shards:\n");
        for (io.strata.testkit.PgShard s : topology.shards()) {
            yaml.append("  - name: ").append(s.name()).append('\n');
            yaml.append("    primary: ").append(s.primary().jdbcUrl()).append('\n');
            yaml.append("    username: ").append(s.primary().user()).append('\n');
            yaml.append("    password: ${STRATA_TEST_UNSET_PASSWORD:}\n");
        }
        yaml.append("tables:\n  mc_accounts: { sharded: id, type: bigint }\n  mc_countries: broadcast\n");
        yaml.append("resharding: { enabled: true, metadataShard: shard0, initialShards: [shard0, shard1] }\n");
        java.nio.file.Path file = java.nio.file.Files.createTempFile("strata-cli", ".yaml");
        java.nio.file.Files.writeString(file, yaml);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        int status = ReshardCli.run(
                new String[] {file.toString(), "status"}, new java.io.PrintStream(out), new java.io.PrintStream(err));
        assertThat(status).as("stderr: %s", err).isZero();
        assertThat(out.toString()).contains("grow1_0 shard0->shard2 slots 1024-2047 DONE");
        assertThat(ReshardCli.run(
                        new String[] {file.toString(), "cutover"},
                        new java.io.PrintStream(out),
                        new java.io.PrintStream(err)))
                .isEqualTo(2);
        assertThat(ReshardCli.run(
                        new String[] {file.toString(), "abort", "nosuchplan"},
                        new java.io.PrintStream(out),
                        new java.io.PrintStream(err)))
                .isEqualTo(1);
        assertThat(err.toString()).contains("no plan nosuchplan").contains("SR023");
    }
}
