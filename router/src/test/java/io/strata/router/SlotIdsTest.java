package io.strata.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.replication.Consistency;
import io.strata.testkit.PgShard;
import io.strata.testkit.PgTopology;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 10, defect 8 and the cluster-wide id generator: an entity sharded by {@code customer_id}
 * whose ids carry the customer's slot is found, updated (with Hibernate's full SET, shard key
 * included) and deleted by its id alone; a SET that would move it is refused with SR003; a table
 * whose ids do not carry the slot is refused clearly. Ids leased by two data sources (two JVMs) and
 * across a restart never collide.
 */
@ExtendWith(FourShards.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SlotIdsTest {

    private PgTopology topology;
    private ShardingDataSource jvm1;
    private ShardingDataSource jvm2;

    private static final Consumer<ShardingDataSource.Builder> RULES = b -> b.table(
                    TableRule.sharded("i_orders", "customer_id", KeyType.LONG).withSlotId("id"))
            .table(TableRule.sharded("i_plain", "customer_id", KeyType.LONG));

    @BeforeAll
    void setUp(PgTopology topology) throws SQLException {
        this.topology = topology;
        jvm1 = FourShards.router(topology, RULES);
        jvm2 = FourShards.router(topology, RULES);
        try (Connection c = jvm1.getConnection();
                Statement st = c.createStatement()) {
            st.execute("create table i_orders (id bigint primary key, customer_id bigint not null, status text,"
                    + " total numeric(10,2), version int not null)");
            st.execute("create table i_plain (id bigint primary key, customer_id bigint not null, status text)");
        }
    }

    @AfterAll
    void tearDown() throws SQLException {
        try (Connection c = jvm1.getConnection();
                Statement st = c.createStatement()) {
            st.execute("drop table if exists i_orders, i_plain, strata_id_nodes");
        } finally {
            jvm1.close();
            jvm2.close();
        }
    }

    private static String state(Throwable e) {
        return ((SQLException) e).getSQLState();
    }

    /** The status of an order on the primary of the shard its customer hashes to, and on no other. */
    private String onPrimaries(long id, long customer) throws SQLException {
        String found = null;
        for (PgShard s : topology.shards()) {
            try (Connection c = s.primary().connect();
                    PreparedStatement ps =
                            c.prepareStatement("select customer_id, status from i_orders where id = ?")) {
                ps.setLong(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        assertThat(s.name()).isEqualTo(jvm1.shardMap().shardOf(customer, KeyType.LONG));
                        assertThat(rs.getLong(1)).isEqualTo(customer);
                        assertThat(found).as("one copy").isNull();
                        found = rs.getString(2);
                    }
                }
            }
        }
        return found;
    }

    private long insert(ShardingDataSource ds, long customer, String status) throws SQLException {
        long id = ds.idGenerator().next(customer, KeyType.LONG);
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "insert into i_orders (customer_id, status, total, version, id) values (?, ?, ?, ?, ?)")) {
            ps.setLong(1, customer);
            ps.setString(2, status);
            ps.setBigDecimal(3, new BigDecimal("10.00"));
            ps.setInt(4, 0);
            ps.setLong(5, id);
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
        return id;
    }

    @Test
    void hibernateUpdatesAndDeletesAnEntityShardedByANonIdColumnByItsIdAlone() throws SQLException {
        for (long customer = 4000; customer < 4016; customer++) {
            long id = insert(customer % 2 == 0 ? jvm1 : jvm2, customer, "new");
            try (Connection c = jvm1.getConnection()) {
                c.unwrap(ShardingConnection.class).setConsistency(Consistency.STRONG);
                // em.find: select ... where o.id = ?
                try (PreparedStatement ps = c.prepareStatement(
                        "select o1_0.customer_id, o1_0.status from i_orders o1_0 where o1_0.id = ?")) {
                    ps.setLong(1, id);
                    try (ResultSet rs = ps.executeQuery()) {
                        assertThat(rs.next()).isTrue();
                        assertThat(rs.getLong(1)).isEqualTo(customer);
                        assertThat(rs.next()).isFalse();
                    }
                }
                assertThat(jvm1.planner()
                                .plan("select o1_0.status from i_orders o1_0 where o1_0.id = ?")
                                .describe())
                        .contains("KEYED");
                // Hibernate's update: every column, shard key included (unchanged), @Version check
                try (PreparedStatement ps = c.prepareStatement(
                        "update i_orders set customer_id=?,status=?,total=?," + "version=? where id=? and version=?")) {
                    ps.setLong(1, customer);
                    ps.setString(2, "paid");
                    ps.setBigDecimal(3, new BigDecimal("89.90"));
                    ps.setInt(4, 1);
                    ps.setLong(5, id);
                    ps.setInt(6, 0);
                    assertThat(ps.executeUpdate()).isEqualTo(1);
                }
                assertThat(onPrimaries(id, customer)).isEqualTo("paid");
                try (PreparedStatement ps = c.prepareStatement("delete from i_orders where id=? and version=?")) {
                    ps.setLong(1, id);
                    ps.setInt(2, 1);
                    assertThat(ps.executeUpdate()).isEqualTo(1);
                }
                assertThat(onPrimaries(id, customer)).isNull();
            }
        }
    }

    @Test
    void settingTheShardKeyToAnotherSlotIsRejectedWithSr003() throws SQLException {
        long customer = 5000;
        long id = insert(jvm1, customer, "new");
        long other = customer + 1;
        while (jvm1.shardMap().slotOf(other, KeyType.LONG) == jvm1.shardMap().slotOf(customer, KeyType.LONG)) {
            other++;
        }
        try (Connection c = jvm1.getConnection();
                PreparedStatement ps =
                        c.prepareStatement("update i_orders set customer_id = ?, status = ? where id = ?")) {
            ps.setLong(1, other);
            ps.setString(2, "moved");
            ps.setLong(3, id);
            assertThatThrownBy(ps::executeUpdate)
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(state(e)).isEqualTo("SR003"));
        }
        assertThat(onPrimaries(id, customer)).isEqualTo("new");
        // by shard key: the same check
        try (Connection c = jvm1.getConnection();
                PreparedStatement ps =
                        c.prepareStatement("update i_orders set customer_id = ? where customer_id = ? and id = ?")) {
            ps.setLong(1, other);
            ps.setLong(2, customer);
            ps.setLong(3, id);
            assertThatThrownBy(ps::executeUpdate)
                    .satisfies(e -> assertThat(state(e)).isEqualTo("SR003"));
            ps.setLong(1, customer);
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
    }

    @Test
    void rowsWhoseIdsDoNotCarryTheSlotAreRejectedClearlyNotGuessed() throws SQLException {
        try (Connection c = jvm1.getConnection();
                Statement st = c.createStatement()) {
            st.executeUpdate("insert into i_plain (id, customer_id, status) values (1, 7, 'a')");
            // no shard key in the WHERE and ids without slots: nothing says where the row is
            assertThatThrownBy(() -> st.executeUpdate("update i_plain set customer_id = 7, status = 'b' where id = 1"))
                    .satisfies(e -> assertThat(state(e)).isEqualTo("SR002"));
            assertThatThrownBy(() -> st.executeUpdate("delete from i_plain where id = 1"))
                    .satisfies(e -> assertThat(state(e)).isEqualTo("SR002"));
            // with the shard key in the WHERE, setting it to the same value is fine
            assertThat(st.executeUpdate(
                            "update i_plain set customer_id = 7, status = 'c' where customer_id = 7 and id = 1"))
                    .isEqualTo(1);
        }
    }

    @Test
    void idsFromTwoDataSourcesAndARestartNeverCollide() throws SQLException {
        IdGenerator a = jvm1.idGenerator();
        IdGenerator b = jvm2.idGenerator();
        assertThat(a.nodeId()).isNotEqualTo(b.nodeId());
        Set<Long> seen = new HashSet<>();
        List<Long> fromB = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            assertThat(seen.add(a.next(i, KeyType.LONG))).isTrue();
            long id = b.next(i, KeyType.LONG);
            assertThat(seen.add(id)).isTrue();
            fromB.add(id);
        }
        // A third member, while both live, gets its own node id; a member restarted after a clean
        // stop may reuse a released node id, but only above the previous holder's last id.
        try (ShardingDataSource third = FourShards.router(topology, RULES)) {
            assertThat(third.idGenerator().nodeId()).isNotIn(a.nodeId(), b.nodeId());
            for (int i = 0; i < 2000; i++) {
                assertThat(seen.add(third.idGenerator().next(i, KeyType.LONG))).isTrue();
            }
        }
        try (ShardingDataSource restarted = FourShards.router(topology, RULES)) {
            IdGenerator r = restarted.idGenerator();
            assertThat(r.nodeId()).isNotIn(a.nodeId(), b.nodeId());
            for (int i = 0; i < 2000; i++) {
                assertThat(seen.add(r.next(i, KeyType.LONG))).isTrue();
            }
        }
        assertThat(topology.shards()
                        .get(0)
                        .primary()
                        .queryLong("select count(*) from strata_id_nodes where" + " expires_at > now()"))
                .isEqualTo(2);
    }

    @Test
    void aLeaseTakenOverByAnotherOwnerIsRefusedNotShared() throws Exception {
        try (io.strata.replication.ReplicaSetDataSource leases =
                        FourShards.replicaSet(topology.shards().get(3));
                IdGenerator ids = IdGenerator.builder()
                        .leaseFrom(leases)
                        .leaseTtl(java.time.Duration.ofSeconds(1))
                        .build()) {
            ids.next();
            // Another member took the node id (as if this one had been partitioned past its lease).
            topology.shards()
                    .get(3)
                    .primary()
                    .queryLong("with t as (update strata_id_nodes set owner = 'someone-else' where node = "
                            + ids.nodeId() + " returning 1) select count(*) from t");
            org.awaitility.Awaitility.await()
                    .atMost(java.time.Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThatThrownBy(ids::next)
                            .isInstanceOf(IllegalStateException.class)
                            .hasMessageContaining("taken by another member"));
        } finally {
            topology.shards()
                    .get(3)
                    .primary()
                    .queryLong("with t as (delete from strata_id_nodes returning 1)" + " select count(*) from t");
        }
    }

    @Test
    void aNodeIdReusedAfterAStopStartsAboveThePreviousHoldersLastId() throws Exception {
        // One node bit: two node ids. C keeps one; A (its clock 1.5 s ahead) uses and releases the
        // other; B then gets A's node id and must not issue an id at or below A's last one.
        java.time.Clock ahead = java.time.Clock.offset(java.time.Clock.systemUTC(), java.time.Duration.ofMillis(1500));
        try (io.strata.replication.ReplicaSetDataSource leases =
                        FourShards.replicaSet(topology.shards().get(2));
                IdGenerator c =
                        IdGenerator.builder().leaseFrom(leases).nodeBits(1).build()) {
            long lastOfA;
            int nodeOfA;
            try (IdGenerator a = IdGenerator.builder()
                    .leaseFrom(leases)
                    .nodeBits(1)
                    .clock(ahead)
                    .build()) {
                assertThat(a.nodeId()).isNotEqualTo(c.nodeId());
                nodeOfA = a.nodeId();
                lastOfA = a.next();
                for (int i = 0; i < 1000; i++) {
                    lastOfA = a.next();
                }
            }
            try (IdGenerator b = IdGenerator.builder()
                    .leaseFrom(leases)
                    .nodeBits(1)
                    .maxClockWait(java.time.Duration.ofSeconds(10))
                    .build()) {
                assertThat(b.nodeId()).isEqualTo(nodeOfA);
                long first = b.next();
                assertThat(IdGenerator.timestampOf(first)).isGreaterThan(IdGenerator.timestampOf(lastOfA));
                assertThat(first).isGreaterThan(lastOfA);
            }
        } finally {
            topology.shards()
                    .get(2)
                    .primary()
                    .queryLong("with t as (delete from strata_id_nodes returning 1)" + " select count(*) from t");
        }
    }
}
