package io.strata.replication;

import static io.strata.replication.TestReplicaSets.awaitReplicasCaughtUp;
import static io.strata.replication.TestReplicaSets.lastNode;
import static io.strata.replication.TestReplicaSets.queryLong;
import static io.strata.replication.TestReplicaSets.state;
import static io.strata.replication.TestReplicaSets.update;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.strata.testkit.PgServer;
import io.strata.testkit.PgShard;
import io.strata.testkit.PgTopology;
import io.strata.testkit.WithPgTopology;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Routing of reads and writes, consistency levels and lag on a real 1 primary + 2 replica set. */
@WithPgTopology(shards = 1, replicasPerShard = 2)
class ReadRoutingTest {

    private final PgShard shard;
    private final PgServer primary;
    private final PgServer replicaA;
    private final PgServer replicaB;

    ReadRoutingTest(PgTopology topology) {
        this.shard = topology.shard(0);
        this.primary = shard.primary();
        this.replicaA = shard.replica(0);
        this.replicaB = shard.replica(1);
    }

    @BeforeAll
    static void schema(PgTopology topology) {
        PgShard s = topology.shard(0);
        s.primary().execute("create table if not exists item (id bigint primary key, v text)");
        s.primary().execute("insert into item values (1, 'one') on conflict do nothing");
        s.primary().execute("create sequence if not exists seq");
        awaitReplicasCaughtUp(s);
    }

    @AfterEach
    void resume() {
        for (PgServer r : shard.replicas()) {
            r.resumeReplay();
        }
    }

    @Test
    void serializableReadsGoToThePrimaryBecauseAStandbyRefusesThem() throws SQLException {
        try (ReplicaSetDataSource ds = TestReplicaSets.build(shard, b -> {})) {
            awaitInRotation(ds);
            try (Connection c = ds.getConnection()) {
                c.setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE);
                assertThat(queryLong(c, "select count(*) from item where id = ?", 1L))
                        .isEqualTo(1L);
                assertThat(lastNode(c)).isEqualTo(primary.name());
                c.setReadOnly(true);
                c.setAutoCommit(false);
                assertThat(queryLong(c, "select count(*) from item where id = ?", 1L))
                        .isEqualTo(1L);
                assertThat(lastNode(c)).isEqualTo(primary.name());
                c.commit();
            }
            try (Connection c = ds.getConnection()) {
                c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
                queryLong(c, "select 1");
                assertThat(lastNode(c)).as("repeatable read runs on a standby").isNotEqualTo(primary.name());
            }
        }
    }

    @Test
    void readsGoToReplicasAndWritesToThePrimary() throws SQLException {
        try (ReplicaSetDataSource ds = TestReplicaSets.build(shard, b -> {})) {
            awaitInRotation(ds);
            Set<String> readers = new HashSet<>();
            try (Connection c = ds.getConnection()) {
                assertThat(queryLong(c, "select count(*) from item where id = ?", 1L))
                        .isEqualTo(1L);
                readers.add(lastNode(c));
                update(c, "update item set v = 'uno' where id = ?", 1L);
                assertThat(lastNode(c)).isEqualTo(primary.name());
                queryLong(c, "select nextval('seq')");
                assertThat(lastNode(c))
                        .as("a writing function goes to the primary")
                        .isEqualTo(primary.name());
                queryLong(c, "select id from item where id = 1 for update");
                assertThat(lastNode(c)).as("a locking read goes to the primary").isEqualTo(primary.name());
            }
            for (int i = 0; i < 20; i++) {
                try (Connection c = ds.getConnection()) {
                    queryLong(c, "select 1");
                    readers.add(lastNode(c));
                }
            }
            assertThat(readers)
                    .as("round-robin over both replicas")
                    .containsExactlyInAnyOrder(replicaA.name(), replicaB.name());
        }
    }

    @Test
    void aReadWriteTransactionStaysOnThePrimaryAndAReadOnlyOneOnAReplica() throws SQLException {
        try (ReplicaSetDataSource ds = TestReplicaSets.build(shard, b -> {})) {
            awaitInRotation(ds);
            try (Connection c = ds.getConnection()) {
                c.setAutoCommit(false);
                queryLong(c, "select count(*) from item");
                assertThat(lastNode(c)).isEqualTo(primary.name());
                assertThat(queryLong(
                                c,
                                "select count(*) from pg_stat_activity where pid = pg_backend_pid() "
                                        + "and backend_xid is null"))
                        .isNotNull();
                c.commit();
                c.setReadOnly(true);
                queryLong(c, "select count(*) from item");
                String node = lastNode(c);
                assertThat(node).isIn(replicaA.name(), replicaB.name());
                assertThatThrownBy(() -> update(c, "update item set v = 'x' where id = 1"))
                        .as("a write in a read-only transaction goes to its replica and fails there")
                        .isInstanceOf(SQLException.class);
                assertThat(lastNode(c)).isEqualTo(node);
                c.rollback();
            }
        }
    }

    @Test
    void strongConsistencyReadsThePrimaryByConnectionScopeAndHint() throws SQLException {
        try (ReplicaSetDataSource ds = TestReplicaSets.build(shard, b -> {})) {
            awaitInRotation(ds);
            try (Connection c = ds.getConnection()) {
                ReplicaSetConnection rc = c.unwrap(ReplicaSetConnection.class);
                rc.setConsistency(Consistency.STRONG);
                queryLong(c, "select 1");
                assertThat(lastNode(c)).isEqualTo(primary.name());
                rc.setConsistency(null);
                queryLong(c, "select 1");
                assertThat(lastNode(c)).isNotEqualTo(primary.name());
                queryLong(c, "/* strata:consistency=strong */ select 1");
                assertThat(lastNode(c)).as("hint").isEqualTo(primary.name());
            }
            try (ConsistencyScope scope = ds.withConsistency(Consistency.STRONG);
                    Connection c = ds.getConnection()) {
                queryLong(c, "select 1");
                assertThat(lastNode(c)).as("scope").isEqualTo(primary.name());
                assertThat(c.unwrap(ReplicaSetConnection.class).consistency()).isEqualTo(Consistency.STRONG);
            }
            try (Connection c = ds.getConnection()) {
                queryLong(c, "select 1");
                assertThat(lastNode(c)).as("after the scope").isNotEqualTo(primary.name());
            }
        }
    }

    @Test
    void aPausedReplicaLeavesRotationForBoundedReadsWithinAPollIntervalAndReturnsAfterResume() throws Exception {
        Duration poll = Duration.ofMillis(100);
        Duration bound = Duration.ofMillis(500);
        try (ReplicaSetDataSource ds = TestReplicaSets.build(
                shard, b -> b.pollInterval(poll).consistency(Consistency.boundedStaleness(bound)))) {
            awaitInRotation(ds);
            replicaA.pauseReplay();
            long pausedAt = System.nanoTime();
            Thread writer = new Thread(() -> {
                long i = 0;
                while (!Thread.currentThread().isInterrupted()) {
                    try {
                        primary.execute("update item set v = 'w" + (i++) + "' where id = 1");
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        return;
                    } catch (RuntimeException e) {
                        return;
                    }
                }
            });
            writer.start();
            try {
                // Once the replica's lag exceeds the bound, within one poll interval no read goes there.
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> state(ds, replicaA.name()).lag().compareTo(bound) > 0);
                long leftAfter = System.nanoTime() - pausedAt;
                assertThat(Duration.ofNanos(leftAfter))
                        .isLessThan(bound.plus(poll).plus(poll).plus(Duration.ofMillis(500)));
                for (int i = 0; i < 30; i++) {
                    try (Connection c = ds.getConnection()) {
                        queryLong(c, "select 1");
                        assertThat(lastNode(c)).isEqualTo(replicaB.name());
                    }
                }
                replicaA.resumeReplay();
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                    Set<String> readers = new HashSet<>();
                    for (int i = 0; i < 10; i++) {
                        try (Connection c = ds.getConnection()) {
                            queryLong(c, "select 1");
                            readers.add(lastNode(c));
                        }
                    }
                    assertThat(readers).contains(replicaA.name());
                });
            } finally {
                writer.interrupt();
                writer.join();
            }
        }
    }

    @Test
    void lagInTimeIsMeasuredOnTheInjectedClockFromLsnSamples() {
        MockClock clock = new MockClock();
        try (ReplicaSetDataSource ds = TestReplicaSets.build(shard, b -> b.clock(clock))) {
            awaitInRotation(ds);
            replicaA.pauseReplay();
            primary.execute("update item set v = 'clocked' where id = 1");
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> state(ds, replicaA.name()).lagBytes() > 0
                            && state(ds, replicaB.name()).lagBytes() == 0);
            // Server clocks play no part: only Strata's clock moves, by exactly 3 s.
            clock.add(Duration.ofSeconds(3));
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> state(ds, replicaA.name()).up()
                            && state(ds, replicaB.name()).up()
                            && state(ds, primary.name()).up());
            assertThat(state(ds, replicaA.name()).lag()).isEqualTo(Duration.ofSeconds(3));
            assertThat(state(ds, replicaB.name()).lag()).isEqualTo(Duration.ZERO);
            try (Connection c = ds.getConnection()) {
                for (int i = 0; i < 5; i++) {
                    queryLong(c, "select 1");
                    assertThat(lastNode(c)).as("A lags 3 s > maxLag 1 s").isEqualTo(replicaB.name());
                }
            } catch (SQLException e) {
                throw new AssertionError(e);
            }
        }
    }

    @Test
    void aCaughtUpReplicaAgesWhenThePrimaryStopsAnsweringTheMonitor() throws Exception {
        MockClock clock = new MockClock();
        try (ReplicaSetDataSource ds = TestReplicaSets.build(
                shard,
                b -> b.clock(clock)
                        .maxLag(Duration.ofSeconds(1))
                        .nodeTimeout(Duration.ofMillis(500))
                        .noReplicaPolicy(NoReplicaPolicy.FAIL))) {
            awaitInRotation(ds);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> state(ds, replicaB.name()).lag().isZero());
            primary.freeze();
            try {
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> !state(ds, primary.name()).up());
                clock.add(Duration.ofSeconds(3));
                // B has replayed all the primary had at the last sample, but that sample is 3 s old:
                // the primary may have taken writes since that B will never see.
                assertThat(state(ds, replicaB.name()).lag()).isGreaterThanOrEqualTo(Duration.ofSeconds(3));
                try (Connection c = ds.getConnection()) {
                    assertThatThrownBy(() -> queryLong(c, "select 1"))
                            .isInstanceOfSatisfying(
                                    SQLException.class,
                                    e -> assertThat(e.getSQLState()).isEqualTo("53R01"));
                }
            } finally {
                primary.thaw();
            }
        }
    }

    @Test
    void anIdlePrimaryLeavesCaughtUpReplicasInRotationWithTheAgeOfTheLastSampleAsLag() throws Exception {
        try (ReplicaSetDataSource ds = TestReplicaSets.build(shard, b -> b.maxLag(Duration.ofSeconds(1)))) {
            awaitInRotation(ds);
            long start = System.nanoTime();
            // At least 5 s without writes (the monitor itself only reads).
            await().pollDelay(Duration.ofSeconds(5))
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> true);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofSeconds(5));
            for (PgServer r : shard.replicas()) {
                NodeState s = state(ds, r.name());
                assertThat(s.up()).isTrue();
                assertThat(s.lagBytes()).isZero();
                // Never zero: a commit acknowledged since the last poll is invisible to the monitor,
                // so a caught-up replica is as fresh as the newest sample's send time, no fresher.
                assertThat(s.lag()).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(1));
            }
            Set<String> readers = new HashSet<>();
            for (int i = 0; i < 10; i++) {
                try (Connection c = ds.getConnection()) {
                    queryLong(c, "select 1");
                    readers.add(lastNode(c));
                }
            }
            assertThat(readers).containsExactlyInAnyOrder(replicaA.name(), replicaB.name());
        }
    }

    @Test
    void withEveryReplicaPausedFallbackReadsWaitForATurnOnThePrimaryInsteadOfFailing() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        int concurrency = 2;
        try (ReplicaSetDataSource ds = TestReplicaSets.build(
                shard,
                b -> b.primaryFallbackConcurrency(concurrency)
                        .primaryFallbackWait(Duration.ofSeconds(60))
                        .consistency(Consistency.boundedStaleness(Duration.ofMillis(200)))
                        .meterRegistry(registry))) {
            awaitInRotation(ds);
            pauseEveryReplicaBehindAWrite(ds);
            // Six readers, three reads each, every read sleeping on the primary while it counts the
            // fallback reads running there with it: none fails, none runs beside more than the bulkhead allows.
            int readers = 6;
            int reads = 3;
            ExecutorService pool = Executors.newFixedThreadPool(readers);
            try {
                List<Future<Long>> futures = new ArrayList<>();
                for (int t = 0; t < readers; t++) {
                    futures.add(pool.submit(() -> {
                        long most = 0;
                        for (int i = 0; i < reads; i++) {
                            try (Connection c = ds.getConnection()) {
                                long running = queryLong(
                                        c,
                                        "select (select count(*) from pg_stat_activity where state = 'active' "
                                                + "and query like '%bulkhead_probe%') from pg_sleep(0.1) bulkhead_probe");
                                assertThat(lastNode(c)).isEqualTo(primary.name());
                                most = Math.max(most, running);
                            }
                        }
                        return most;
                    }));
                }
                for (Future<Long> f : futures) {
                    assertThat(f.get(120, TimeUnit.SECONDS)).isBetween(1L, (long) concurrency);
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(registry.get("strata.replication.fallbacks")
                            .tag("outcome", "primary")
                            .counter()
                            .count())
                    .isEqualTo(readers * reads);
            assertThat(registry.get("strata.replication.fallbacks")
                            .tag("outcome", "rejected")
                            .counter()
                            .count())
                    .isZero();
        }
    }

    @Test
    void aFallbackReadThatGetsNoTurnWithinTheWaitFailsWith53R02() throws Exception {
        try (ReplicaSetDataSource ds = TestReplicaSets.build(
                shard,
                b -> b.primaryFallbackConcurrency(1)
                        .primaryFallbackWait(Duration.ofMillis(100))
                        .consistency(Consistency.boundedStaleness(Duration.ofMillis(200))))) {
            awaitInRotation(ds);
            pauseEveryReplicaBehindAWrite(ds);
            ExecutorService pool = Executors.newSingleThreadExecutor();
            try (Connection holder = primary.connect()) {
                // The one turn is held by a fallback read that waits on a lock this test holds.
                holder.setAutoCommit(false);
                holder.createStatement().execute("lock table item in access exclusive mode");
                Future<Long> held = pool.submit(() -> {
                    try (Connection c = ds.getConnection()) {
                        return queryLong(c, "select count(*) from item");
                    }
                });
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> primary.queryLong("select count(*) from pg_stat_activity where wait_event_type = "
                                        + "'Lock' and query = 'select count(*) from item'")
                                == 1);
                try (Connection c = ds.getConnection()) {
                    assertThatThrownBy(() -> queryLong(c, "select 1")).isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo(ReplicaSetDataSource.SQLSTATE_FALLBACK_SATURATED);
                        assertThat(e.getMessage()).contains("primaryFallbackConcurrency");
                    });
                }
                holder.rollback();
                assertThat(held.get(60, TimeUnit.SECONDS)).isEqualTo(1);
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void aFallbackReadToAPrimaryTheMonitorKnowsIsDownFailsAtOnceWith08R01() throws Exception {
        try (ReplicaSetDataSource ds = TestReplicaSets.build(
                shard,
                // a pool timeout far beyond what the test waits: the read must not wait it out
                b -> b.primaryPool(p -> {
                            p.setMaximumPoolSize(2);
                            p.setConnectionTimeout(600_000);
                        })
                        .nodeTimeout(Duration.ofMillis(500))
                        .consistency(Consistency.boundedStaleness(Duration.ofMillis(200))))) {
            awaitInRotation(ds);
            primary.freeze();
            try {
                // A silent primary ages every replica past 200 ms, and the monitor gives the primary up.
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> !state(ds, primary.name()).up());
                try (Connection c = ds.getConnection()) {
                    assertThatThrownBy(() -> queryLong(c, "select 1")).isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo(ReplicaSetDataSource.SQLSTATE_NODE_UNAVAILABLE);
                        assertThat(e.getMessage()).contains("is down");
                    });
                }
            } finally {
                primary.thaw();
            }
        }
    }

    @Test
    void aPoolTimeoutCarriesAnSqlState() throws Exception {
        try (ReplicaSetDataSource ds = TestReplicaSets.build(
                shard,
                b -> b.primaryPool(p -> {
                    p.setMaximumPoolSize(1);
                    p.setConnectionTimeout(300);
                }))) {
            try (Connection holder = ds.getConnection()) {
                holder.setAutoCommit(false);
                update(holder, "update item set v = v where id = 1"); // holds the primary's only connection
                try (Connection c = ds.getConnection()) {
                    c.unwrap(ReplicaSetConnection.class).setConsistency(Consistency.STRONG);
                    assertThatThrownBy(() -> queryLong(c, "select 1")).isInstanceOfSatisfying(SQLException.class, e -> {
                        // All connections busy on a live node: the per-node cap (53R03), not a dead node (08R01,
                        // which pools and the circuit breaker take for a broken connection); issue 18.
                        assertThat(e.getSQLState()).isEqualTo(ReplicaSetDataSource.SQLSTATE_CONNECTION_CAP);
                        assertThat(e.getMessage()).contains(primary.name()).contains("connection cap");
                    });
                }
                holder.rollback();
            }
        }
    }

    /** Pauses both replicas after a write they have not replayed, and waits until neither qualifies at 200 ms. */
    private void pauseEveryReplicaBehindAWrite(ReplicaSetDataSource ds) {
        replicaA.pauseReplay();
        replicaB.pauseReplay();
        primary.execute("update item set v = 'paused' where id = 1");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> ds.nodeStates().stream()
                        .filter(s -> s.role() == NodeRole.REPLICA)
                        .allMatch(s -> s.lag().toMillis() > 200));
    }

    @Test
    void withNoReplicaPolicyFailAReadNoReplicaQualifiesForFailsWith53R01() throws Exception {
        replicaA.pauseReplay();
        replicaB.pauseReplay();
        primary.execute("update item set v = 'paused' where id = 1");
        try (ReplicaSetDataSource ds = TestReplicaSets.build(
                shard,
                b -> b.noReplicaPolicy(NoReplicaPolicy.FAIL)
                        .consistency(Consistency.boundedStaleness(Duration.ofMillis(200))))) {
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> ds.nodeStates().stream()
                            .filter(s -> s.role() == NodeRole.REPLICA)
                            .allMatch(s -> s.lag().toMillis() > 200));
            try (Connection c = ds.getConnection()) {
                assertThatThrownBy(() -> queryLong(c, "select 1")).isInstanceOfSatisfying(SQLException.class, e -> {
                    assertThat(e.getSQLState()).isEqualTo(ReplicaSetDataSource.SQLSTATE_NO_ELIGIBLE_REPLICA);
                    assertThat(e.getMessage()).contains("no replica qualifies").contains("FAIL");
                });
                update(c, "update item set v = 'still writable' where id = 1");
                assertThat(lastNode(c)).isEqualTo(primary.name());
            }
        }
    }

    @Test
    void metricsCountStatementsPerNodeAndReportLag() throws SQLException {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (ReplicaSetDataSource ds = TestReplicaSets.build(shard, b -> b.meterRegistry(registry))) {
            awaitInRotation(ds);
            try (Connection c = ds.getConnection();
                    Statement s = c.createStatement()) {
                s.executeQuery("select 1").close();
                s.executeUpdate("update item set v = 'm' where id = 1");
            }
            double reads = registry.find("strata.replication.statements").tag("kind", "read").counters().stream()
                    .mapToDouble(x -> x.count())
                    .sum();
            double writes = registry.get("strata.replication.statements")
                    .tag("kind", "write")
                    .tag("node", primary.name())
                    .counter()
                    .count();
            assertThat(reads).isEqualTo(1.0);
            assertThat(writes).isEqualTo(1.0);
            assertThat(registry.get("strata.replication.lag.bytes")
                            .tag("node", replicaA.name())
                            .gauge()
                            .value())
                    .isGreaterThanOrEqualTo(0);
            assertThat(registry.find("resilience4j.circuitbreaker.state").gauges())
                    .isNotEmpty();
            assertThat(registry.find("hikaricp.connections").gauges()).isNotEmpty();
        }
    }

    static void awaitInRotation(ReplicaSetDataSource ds) {
        await().atMost(Duration.ofSeconds(10))
                .until(() -> ds.nodeStates().stream()
                                .filter(s -> s.role() == NodeRole.REPLICA)
                                .filter(s -> s.up() && s.lag().compareTo(Duration.ofMillis(500)) < 0)
                                .count()
                        == 2);
    }
}
