package io.strata.router.reshard;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.router.internal.reshard.Mover;
import io.strata.router.internal.reshard.MoverSettings;
import io.strata.testkit.PgTopology;
import io.strata.testkit.WithPgTopology;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * {@link WriteAudit}, the checker behind GrowTest's "0 writes accepted by an old owner after its
 * cutover", shown to fail on a weakened setting: the source's fence trigger is dropped right after
 * the switch, and a stale writer still routing by the old map writes moved slots on the source:
 * the audit counts exactly those writes. A transaction that wrote a moved slot before the fence and
 * commits after it (during the mover's wait for older transactions) is counted apart, not as a
 * violation: the audit takes the commit time and compares it with the time the fence was complete.
 */
@WithPgTopology(shards = 3, replicasPerShard = 1, logicalReplication = true)
class OldOwnerAuditTest {

    static final int STALE_WRITES = 5;

    @Test
    void withoutTheFenceTriggerTheAuditCountsStaleWritesOnTheOldOwner(PgTopology topology) throws Exception {
        ReshardFixture fx = new ReshardFixture(topology, "oa_", 2);
        WriteAudit.installEverywhere(topology, fx.accounts, "id", "LONG", MoverCopyTest.SLOTS);
        fx.load(1000); // audited, committed before the fence: checked, not counted
        AtomicReference<MovePlan> planRef = new AtomicReference<>();
        AtomicReference<Throwable> staleError = new AtomicReference<>();
        AtomicReference<Connection> inFlight = new AtomicReference<>();
        Mover mover = fx.mover(MoverSettings.defaults(MoverCopyTest.SLOTS, "shard0"), (moveId, phase) -> {
            if (phase == MoveStatus.Phase.FENCED && inFlight.get() != null) {
                try {
                    // Wrote before the fence, commits after it: the mover waits for it; not a violation.
                    inFlight.getAndSet(null).commit();
                } catch (SQLException e) {
                    staleError.set(e);
                }
                return;
            }
            if (phase != MoveStatus.Phase.SWITCHED) {
                return;
            }
            try {
                MovePlan.Move m = planRef.get().moves().get(0);
                MovePlan.SlotRange r = m.ranges().get(0);
                try (Connection source = topology.shard(fx.shardIndex(m.source()))
                                .primary()
                                .connect();
                        PreparedStatement ps = source.prepareStatement(
                                "INSERT INTO " + fx.accounts + " (id, balance, note) VALUES (?, 1, 'stale')")) {
                    // Weakened: the old owner no longer refuses writes to the slots it gave away.
                    source.createStatement().execute("DROP TRIGGER strata_fence ON " + fx.accounts);
                    for (long id : ReshardFixture.idsInSlots(8_000_000, STALE_WRITES, r.lo(), r.hi())) {
                        ps.setLong(1, id); // routed by the old map: to the source
                        ps.executeUpdate();
                    }
                }
            } catch (SQLException | RuntimeException e) {
                staleError.set(e);
            }
        });
        MovePlan plan = mover.planAddShards("oa", List.of("shard2"));
        planRef.set(plan);
        mover.start(plan);
        mover.awaitCatchUp("oa", Duration.ofMinutes(2));
        mover.verify("oa");
        MovePlan.SlotRange moved = plan.moves().get(0).ranges().get(0);
        long inFlightId =
                ReshardFixture.idsInSlots(9_000_000, 1, moved.lo(), moved.hi()).get(0);
        try (Connection open = topology.shard(fx.shardIndex(plan.moves().get(0).source()))
                .primary()
                .connect()) {
            open.setAutoCommit(false);
            try (PreparedStatement ps = open.prepareStatement(
                    "INSERT INTO " + fx.accounts + " (id, balance, note) VALUES (?, 2, 'in flight')")) {
                ps.setLong(1, inFlightId);
                ps.executeUpdate();
            }
            inFlight.set(open);
            mover.cutover("oa");
        }
        assertThat(inFlight.get()).as("committed at FENCED").isNull();
        assertThat(staleError.get()).isNull();
        assertThat(ReshardFixture.status(mover, "oa"))
                .singleElement()
                .satisfies(s -> assertThat(s.phase()).isEqualTo(MoveStatus.Phase.DONE));

        WriteAudit.Result audit = WriteAudit.check(topology, fx.accounts);
        System.out.println("weakened (no fence trigger after the switch, stale writer): " + audit);
        assertThat(audit.moves()).isEqualTo(1);
        assertThat(audit.checked()).isGreaterThan(STALE_WRITES);
        assertThat(audit.violations()).as("%s", audit).isEqualTo(STALE_WRITES);
        assertThat(audit.inFlight()).as("%s", audit).isEqualTo(1);
        // The in-flight row was drained to the new owner.
        assertThat(topology.shard(2)
                        .primary()
                        .queryLong("SELECT count(*) FROM " + fx.accounts + " WHERE id = " + inFlightId))
                .isEqualTo(1);
    }
}
