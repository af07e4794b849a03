package io.strata.router.reshard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.router.internal.reshard.Mover;
import io.strata.router.internal.reshard.MoverSettings;
import io.strata.testkit.PgTopology;
import io.strata.testkit.WithPgTopology;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A cutover whose drain exceeds its deadline (an old transaction held open on the source) is rolled
 * back: writes resume on the source, the move goes back to VERIFIED, and an abort leaves the map and
 * every row as if nothing had happened. And the diff's checker is shown to catch a loss: a cutover
 * that skips the drain while the subscription is stopped loses the rows written meanwhile.
 */
@WithPgTopology(shards = 3, replicasPerShard = 1, logicalReplication = true)
class MoverAbortTest {

    @Test
    void aDrainPastTheDeadlineAbortsTheCutoverAndWritesResumeOnTheSource(PgTopology topology) throws Exception {
        ReshardFixture fx = new ReshardFixture(topology, "ab_", 2);
        fx.load(2000);
        MoverSettings defaults = MoverSettings.defaults(MoverCopyTest.SLOTS, "shard0");
        MoverSettings settings = new MoverSettings(
                defaults.slots(),
                defaults.metadataShard(),
                Duration.ofSeconds(1),
                defaults.lease(),
                defaults.maxClockSkew(),
                defaults.poll(),
                defaults.verifyChunks(),
                defaults.deleteBatch(),
                true);
        Mover mover = fx.mover(settings, (id, phase) -> {});
        MovePlan plan = mover.planAddShards("ab", List.of("shard2"));
        AtomicBoolean stop = new AtomicBoolean();
        Thread writer = fx.writer(stop);
        writer.start();
        mover.start(plan);
        mover.awaitCatchUp("ab", Duration.ofMinutes(2));
        mover.verify("ab");
        try (Connection old = topology.shard(0).primary().connect();
                Statement st = old.createStatement()) {
            old.setAutoCommit(false);
            st.execute("SELECT pg_current_xact_id()"); // an open transaction with an xid, older than the fence
            assertThatThrownBy(() -> mover.cutover("ab"))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("drain exceeded cutoverDeadline")
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("SR023"));
            assertThat(ReshardFixture.status(mover, "ab")).singleElement().satisfies(s -> {
                assertThat(s.phase()).isEqualTo(MoveStatus.Phase.VERIFIED);
                assertThat(s.error()).contains("cutover aborted");
            });
            // Writes to the moving slots resume on the source at once.
            for (long id : ReshardFixture.idsInSlots(5_000_000, 20, 1024, 2047)) {
                fx.writeOnOwner(id, 7);
            }
            fx.awaitWrites(50);
            old.rollback();
        }
        mover.abort("ab");
        stop.set(true);
        writer.join();
        assertThat(fx.writerError()).isNull();
        assertThat(ReshardFixture.status(mover, "ab"))
                .singleElement()
                .satisfies(s -> assertThat(s.phase()).isEqualTo(MoveStatus.Phase.ABORTED));
        assertThat(topology.shard(2).primary().queryLong("SELECT count(*) FROM ab_accounts"))
                .isZero();
        assertThat(topology.shard(2).primary().queryLong("SELECT count(*) FROM ab_countries"))
                .isZero();
        assertThat(topology.shard(0)
                        .primary()
                        .queryLong("SELECT count(*) FROM strata_meta.slot_fence WHERE table_name LIKE 'ab_%'"))
                .isZero();
        assertThat(topology.shard(0).primary().queryLong("SELECT max(epoch) FROM strata_meta.shard_map"))
                .isEqualTo(1);
        fx.assertClean();
    }

    @Test
    void withoutTheDrainTheDiffFindsLostRows(PgTopology topology) throws Exception {
        ReshardFixture fx = new ReshardFixture(topology, "wk_", 2);
        fx.load(1000);
        MoverSettings defaults = MoverSettings.defaults(MoverCopyTest.SLOTS, "shard0");
        MoverSettings weakened = new MoverSettings(
                defaults.slots(),
                defaults.metadataShard(),
                defaults.cutoverDeadline(),
                defaults.lease(),
                defaults.maxClockSkew(),
                defaults.poll(),
                defaults.verifyChunks(),
                defaults.deleteBatch(),
                false); // weakened: no drain
        Mover mover = fx.mover(weakened, (id, phase) -> {});
        MovePlan plan = mover.planAddShards("wk", List.of("shard2"));
        mover.start(plan);
        mover.awaitCatchUp("wk", Duration.ofMinutes(2));
        mover.verify("wk");
        // The target stops applying; rows written now on the source reach it only through a drain.
        topology.shard(2).primary().execute("ALTER SUBSCRIPTION strata_move_wk_0 DISABLE");
        for (long id : ReshardFixture.idsInSlots(7_000_000, 10, 1024, 2047)) {
            fx.writeOnOwner(id, 9);
        }
        mover.cutover("wk");
        assertThatThrownBy(fx::assertClean).isInstanceOf(AssertionError.class).hasMessageContaining("lost 7");
    }
}
