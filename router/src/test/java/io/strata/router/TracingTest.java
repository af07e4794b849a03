package io.strata.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import io.strata.testkit.PgServer;
import io.strata.testkit.PgShard;
import io.strata.testkit.PgTopology;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The router's observations (issue 16, tracing): one {@code strata.router.statement} per logical
 * statement with one {@code strata.router.shard} child per shard call, linked to it explicitly even
 * when the call ran on an executor thread; errors on the failing shard's child; nothing with
 * {@code ObservationRegistry.NOOP}.
 */
@ExtendWith(FourShards.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TracingTest {

    private static final String STATEMENT = RouterObservation.STATEMENT.getName();
    private static final String SHARD = RouterObservation.SHARD.getName();

    private PgTopology topology;
    private final TestObservationRegistry observations = TestObservationRegistry.create();
    private final Queue<Observation.Context> stopped = new ConcurrentLinkedQueue<>();
    private ShardingDataSource router;

    @BeforeAll
    void setUp(PgTopology topology) throws SQLException {
        this.topology = topology;
        FourShards.onEveryPrimary(topology, "create table tr_users (id bigint primary key, name text)");
        // tr_partial exists on every shard but the last: a scattered select fails there only
        for (PgShard s : topology.shards().subList(0, 3)) {
            s.primary().execute("create table tr_partial (id bigint primary key)");
        }
        observations.observationConfig().observationHandler(new ObservationHandler<>() {
            @Override
            public void onStop(Observation.Context context) {
                stopped.add(context);
            }

            @Override
            public boolean supportsContext(Observation.Context context) {
                return true;
            }
        });
        router = FourShards.router(
                topology,
                b -> b.table(TableRule.sharded("tr_users", "id", KeyType.LONG))
                        .table(TableRule.sharded("tr_partial", "id", KeyType.LONG))
                        .observationRegistry(observations));
        try (Connection c = router.getConnection();
                PreparedStatement ps = c.prepareStatement("insert into tr_users (id, name) values (?, ?)")) {
            for (long id = 1; id <= 40; id++) {
                ps.setLong(1, id);
                ps.setString(2, "n" + id);
                ps.addBatch();
            }
            ps.executeBatch();
        }
        FourShards.awaitReplicas(topology);
    }

    @AfterAll
    void tearDown() throws SQLException {
        router.close();
        FourShards.onEveryPrimary(topology, "drop table tr_users");
        for (PgShard s : topology.shards().subList(0, 3)) {
            s.primary().execute("drop table tr_partial");
        }
    }

    @BeforeEach
    void clear() {
        observations.clear();
        stopped.clear();
    }

    private List<Observation.Context> named(String name) {
        return stopped.stream().filter(c -> c.getName().equals(name)).toList();
    }

    private static String low(Observation.Context c, RouterObservation.Keys key) {
        var kv = c.getLowCardinalityKeyValue(key.asString());
        return kv == null ? null : kv.getValue();
    }

    @Test
    void aScatteredSelectIsOneStatementWithOneChildPerShardLinkedToIt() throws SQLException {
        try (Connection c = router.getConnection();
                PreparedStatement ps = c.prepareStatement("select count(*) from tr_users where name <> ?")) {
            ps.setString(1, "secret-parameter-value");
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getLong(1)).isEqualTo(40);
            }
        }
        List<Observation.Context> parents = named(STATEMENT);
        assertThat(parents).hasSize(1);
        Observation.Context parent = parents.get(0);
        assertThat(low(parent, RouterObservation.Keys.KIND)).isEqualTo("read");
        assertThat(low(parent, RouterObservation.Keys.ROUTE)).isEqualTo("scatter");
        assertThat(low(parent, RouterObservation.Keys.OUTCOME)).isEqualTo("success");
        assertThat(parent.getHighCardinalityKeyValue("db.query.text").getValue())
                .isEqualTo("select count(*) from tr_users where name <> ?");
        List<Observation.Context> children = named(SHARD);
        assertThat(children).hasSize(4);
        assertThat(children.stream().map(c -> low(c, RouterObservation.Keys.SHARD)))
                .containsExactlyInAnyOrderElementsOf(router.shards());
        for (Observation.Context child : children) {
            assertThat(child.getParentObservation()).isNotNull();
            assertThat(child.getParentObservation().getContextView()).isSameAs(parent);
            assertThat(low(child, RouterObservation.Keys.OUTCOME)).isEqualTo("success");
            assertThat(low(child, RouterObservation.Keys.KIND)).isEqualTo("read");
            assertThat(child.getError()).isNull();
        }
        // parameter values are never recorded, in any key of any observation
        for (Observation.Context c : stopped) {
            assertThat(c.getAllKeyValues().stream().map(kv -> kv.getValue()))
                    .noneMatch(v -> v.contains("secret-parameter-value"));
        }
        TestObservationRegistryAssert.assertThat(observations)
                .hasNumberOfObservationsWithNameEqualTo(STATEMENT, 1)
                .hasNumberOfObservationsWithNameEqualTo(SHARD, 4);
    }

    @Test
    void aPointSelectIsOneStatementWithOneChildOnItsShardAndNode() throws SQLException {
        try (Connection c = router.getConnection();
                PreparedStatement ps = c.prepareStatement("select name from tr_users where id = ?")) {
            ps.setLong(1, 7);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
            }
        }
        assertThat(named(STATEMENT)).hasSize(1);
        Observation.Context parent = named(STATEMENT).get(0);
        assertThat(low(parent, RouterObservation.Keys.ROUTE)).isEqualTo("single");
        List<Observation.Context> children = named(SHARD);
        assertThat(children).hasSize(1);
        Observation.Context child = children.get(0);
        String shard = router.shardMap().shardOf(7L, KeyType.LONG);
        assertThat(low(child, RouterObservation.Keys.SHARD)).isEqualTo(shard);
        assertThat(child.getParentObservation().getContextView()).isSameAs(parent);
        PgShard pg = topology.shards().stream()
                .filter(s -> s.name().equals(shard))
                .findFirst()
                .orElseThrow();
        Set<String> nodes = pg.replicas().stream().map(PgServer::name).collect(Collectors.toSet());
        nodes.add(pg.primary().name());
        assertThat(low(child, RouterObservation.Keys.NODE)).isIn(nodes);
    }

    @Test
    void aFailingShardCallMarksItsChildAndTheStatementWithTheError() throws SQLException {
        String last = router.shards().get(3);
        try (Connection c = router.getConnection();
                Statement st = c.createStatement()) {
            assertThatThrownBy(() -> st.executeQuery("select count(*) from tr_partial"))
                    .isInstanceOf(SQLException.class);
        }
        Observation.Context parent = named(STATEMENT).get(0);
        assertThat(low(parent, RouterObservation.Keys.OUTCOME)).isEqualTo("error");
        assertThat(parent.getError()).isInstanceOf(SQLException.class);
        List<Observation.Context> failed = named(SHARD).stream()
                .filter(c -> last.equals(low(c, RouterObservation.Keys.SHARD)))
                .toList();
        assertThat(failed).hasSize(1);
        assertThat(low(failed.get(0), RouterObservation.Keys.OUTCOME)).isEqualTo("error");
        assertThat(failed.get(0).getError()).isInstanceOf(SQLException.class);
        assertThat(failed.get(0).getParentObservation().getContextView()).isSameAs(parent);
        // the other shards' calls that ran (a failure stops those not yet started) succeeded
        for (Observation.Context other : named(SHARD)) {
            if (!last.equals(low(other, RouterObservation.Keys.SHARD))) {
                assertThat(low(other, RouterObservation.Keys.OUTCOME)).isEqualTo("success");
                assertThat(other.getError()).isNull();
            }
        }
    }

    @Test
    void withoutARegistryNothingIsRecorded() throws SQLException {
        // The application observes its own work; a router built without observationRegistry(...)
        // (ObservationRegistry.NOOP) adds nothing under it.
        try (ShardingDataSource plain =
                FourShards.router(topology, b -> b.table(TableRule.sharded("tr_users", "id", KeyType.LONG)))) {
            Observation app = Observation.start("app.request", observations);
            try (Observation.Scope scope = app.openScope();
                    Connection c = plain.getConnection();
                    Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("select count(*) from tr_users")) {
                assertThat(rs.next()).isTrue();
            } finally {
                app.stop();
            }
        }
        assertThat(stopped).extracting(Observation.Context::getName).containsExactly("app.request");
    }
}
