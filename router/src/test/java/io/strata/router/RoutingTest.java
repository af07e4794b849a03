package io.strata.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.replication.Consistency;
import io.strata.testkit.PgShard;
import io.strata.testkit.PgTopology;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** Table rules and route kinds end to end: single, default shard, broadcast, key arrays, keyless writes. */
@ExtendWith(FourShards.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RoutingTest {

    private PgTopology topology;
    private ShardingDataSource router;

    @BeforeAll
    void setUp(PgTopology topology) throws SQLException {
        this.topology = topology;
        router = FourShards.router(
                topology,
                b -> b.table(TableRule.sharded("r_users", "id", KeyType.LONG))
                        .table(TableRule.broadcast("r_countries"))
                        .table(TableRule.single("r_settings", "shard3"))
                        .defaultShard("shard2")
                        .keylessWritesToAllShards(true));
        try (Connection c = router.getConnection();
                Statement st = c.createStatement()) {
            st.execute("create table r_users (id bigint primary key, name text)");
            st.execute("create table r_countries (code text primary key, name text)");
            st.execute("create table r_settings (k text primary key, v text)");
            st.execute("create table r_misc (k text primary key)");
            st.executeUpdate("insert into r_users (id, name) values (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd'), (5, 'e'),"
                    + " (6, 'f'), (7, 'g'), (8, 'h')");
        }
    }

    @AfterAll
    void tearDown() throws SQLException {
        try (Connection c = router.getConnection();
                Statement st = c.createStatement()) {
            st.execute("drop table r_users, r_countries, r_settings, r_misc");
        } finally {
            router.close();
        }
    }

    private long onShard(int shard, String sql) {
        return topology.shard(shard).primary().queryLong(sql);
    }

    @Test
    void singleTablesLiveOnTheirShardAndUnknownTablesOnTheDefaultShard() throws SQLException {
        try (Connection c = router.getConnection();
                Statement st = c.createStatement()) {
            st.executeUpdate("insert into r_settings (k, v) values ('mode', 'on')");
            st.executeUpdate("insert into r_misc (k) values ('x')");
        }
        for (int s = 0; s < 4; s++) {
            assertThat(onShard(s, "select count(*) from r_settings"))
                    .as("shard%d", s)
                    .isEqualTo(s == 3 ? 1 : 0);
            assertThat(onShard(s, "select count(*) from r_misc"))
                    .as("shard%d", s)
                    .isEqualTo(s == 2 ? 1 : 0);
        }
    }

    @Test
    void broadcastReadsSpreadOverTheShards() throws SQLException {
        java.util.Set<String> served = new java.util.HashSet<>();
        for (int i = 0; i < 64; i++) {
            try (Connection c = router.getConnection();
                    Statement st = c.createStatement()) {
                st.executeQuery("select count(*) from r_countries").close();
                List<String> open = c.unwrap(ShardingConnection.class).openShards();
                assertThat(open).as("one shard answers a broadcast read").hasSize(1);
                served.addAll(open);
            }
        }
        // 64 connections each picking one of 4 shards at random: all on one shard has odds of 4^-63.
        assertThat(served).hasSizeGreaterThan(1);
    }

    @Test
    void broadcastWritesReachEveryCopyAndCountOnce() throws SQLException {
        try (Connection c = router.getConnection();
                Statement st = c.createStatement()) {
            assertThat(st.executeUpdate(
                            "insert into r_countries (code, name) values ('fr', 'France'), ('jp', 'Japan')"))
                    .isEqualTo(2);
            assertThat(st.executeUpdate("update r_countries set name = upper(name)"))
                    .isEqualTo(2);
        }
        for (PgShard s : topology.shards()) {
            assertThat(s.primary().queryString("select name from r_countries where code = 'fr'"))
                    .isEqualTo("FRANCE");
        }
    }

    @Test
    void keyArraysAndInListsReachOnlyTheOwningShardsAndCountsAdd() throws SQLException {
        try (Connection c = router.getConnection()) {
            c.unwrap(ShardingConnection.class).setConsistency(Consistency.STRONG);
            try (PreparedStatement ps = c.prepareStatement("select id from r_users where id = any(?) order by id")) {
                ps.setArray(1, c.createArrayOf("bigint", new Long[] {2L, 5L, 7L}));
                try (ResultSet rs = ps.executeQuery()) {
                    StringBuilder ids = new StringBuilder();
                    while (rs.next()) {
                        ids.append(rs.getLong(1)).append(' ');
                    }
                    assertThat(ids.toString().trim()).isEqualTo("2 5 7");
                }
            }
            try (PreparedStatement ps =
                    c.prepareStatement("update r_users set name = name || '!' where id in (?, ?, ?)")) {
                ps.setLong(1, 1);
                ps.setLong(2, 4);
                ps.setLong(3, 8);
                assertThat(ps.executeUpdate()).isEqualTo(3);
            }
        }
    }

    @Test
    void keylessWritesRunOnEveryShardWhenEnabled() throws SQLException {
        try (Connection c = router.getConnection();
                Statement st = c.createStatement()) {
            assertThat(st.executeUpdate("update r_users set name = name where id > 0"))
                    .isEqualTo(8);
        }
    }

    @Test
    void aConsistencyHintSendsReadsToThePrimaryWhileTheReplicaLags() throws SQLException {
        PgShard owner = topology.shard(router.shardMap().shardIndexOf(99L, KeyType.LONG));
        FourShards.awaitReplicas(topology);
        owner.replica(0).pauseReplay();
        try {
            try (Connection c = router.getConnection();
                    Statement st = c.createStatement()) {
                st.executeUpdate("insert into r_users (id, name) values (99, 'fresh')");
            }
            try (Connection c = router.getConnection();
                    Statement st = c.createStatement()) {
                try (ShardHint hint = ShardHint.consistency(Consistency.STRONG);
                        ResultSet rs = st.executeQuery("select name from r_users where id = 99")) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getString(1)).isEqualTo("fresh");
                }
                try (ResultSet rs = st.executeQuery(
                        "/* strata: consistency=strong */ select count(*) from r_users" + " where id = 99")) {
                    rs.next();
                    assertThat(rs.getLong(1)).isEqualTo(1);
                }
            }
        } finally {
            owner.replica(0).resumeReplay();
            try (Connection c = router.getConnection();
                    Statement st = c.createStatement()) {
                st.executeUpdate("delete from r_users where id = 99");
            }
        }
    }
}
