package io.strata.replication;

import static io.strata.replication.TestReplicaSets.awaitReplicasCaughtUp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.strata.testkit.PgShard;
import io.strata.testkit.PgTopology;
import io.strata.testkit.WithPgTopology;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Regression tests for "SET through a logical connection does not reach replica sessions" and
 * "a SET leaks to the next borrower of the physical connection": session settings are replayed on
 * every physical connection a logical one uses, undone before a physical connection goes back
 * to its pool, and what cannot be replayed pins reads to the primary.
 */
@WithPgTopology(shards = 1, replicasPerShard = 2)
class SessionSettingsTest {

    private static final String ZONE = "Pacific/Kiritimati";
    private static final String SETTING_AND_NODE = "select current_setting('TimeZone') || ' ' || pg_is_in_recovery()";

    /** Identifies a physical connection: its server's port and its backend. */
    private static final String WHO = "select inet_server_port() || ':' || pg_backend_pid()";

    private final PgShard shard;

    SessionSettingsTest(PgTopology topology) {
        this.shard = topology.shard(0);
    }

    @BeforeAll
    static void schema(PgTopology topology) {
        PgShard s = topology.shard(0);
        s.primary().execute("create schema if not exists sess_a");
        s.primary().execute("create table if not exists public.sess_item (id bigint primary key, v text)");
        s.primary().execute("create table if not exists sess_a.sess_item (id bigint primary key, v text)");
        s.primary().execute("insert into public.sess_item values (1, 'public') on conflict do nothing");
        s.primary().execute("insert into sess_a.sess_item values (1, 'sess_a') on conflict do nothing");
        awaitReplicasCaughtUp(s);
    }

    private ReplicaSetDataSource dataSource(int poolSize) {
        ReplicaSetDataSource ds = TestReplicaSets.build(
                shard,
                b -> b.primaryPool(c -> c.setMaximumPoolSize(poolSize))
                        .replicaPool(c -> c.setMaximumPoolSize(poolSize)));
        await().atMost(Duration.ofSeconds(30))
                .until(() -> ds.nodeStates().stream()
                                .filter(s -> s.role() == NodeRole.REPLICA)
                                .filter(s -> s.up() && s.lag().compareTo(Duration.ofMillis(500)) < 0)
                                .count()
                        == 2);
        return ds;
    }

    private static Connection eventual(ReplicaSetDataSource ds) throws SQLException {
        Connection c = ds.getConnection();
        c.unwrap(ReplicaSetConnection.class).setConsistency(Consistency.EVENTUAL);
        return c;
    }

    private static String text(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            assertThat(rs.next()).isTrue();
            return rs.getString(1);
        }
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** The time zone a fresh session has (the same on every node: the driver sends it). */
    private static String defaultZone(ReplicaSetDataSource ds) throws SQLException {
        try (Connection c = ds.getConnection()) {
            c.unwrap(ReplicaSetConnection.class).setConsistency(Consistency.STRONG);
            return text(c, "select current_setting('TimeZone')");
        }
    }

    @Test
    void setTimeZoneThroughALogicalConnectionReachesReplicaReads() throws SQLException {
        try (ReplicaSetDataSource ds = dataSource(4);
                Connection c = eventual(ds)) {
            exec(c, "SET time zone '" + ZONE + "'");
            assertThat(text(c, SETTING_AND_NODE)).isEqualTo(ZONE + " true");
            assertThat(text(c, "select '2026-01-01 00:00:00+00'::timestamptz::text"))
                    .isEqualTo("2026-01-01 14:00:00+14");
        }
    }

    @Test
    void setSearchPathThroughALogicalConnectionReachesReplicaReads() throws SQLException {
        try (ReplicaSetDataSource ds = dataSource(4);
                Connection c = eventual(ds)) {
            exec(c, "set search_path to sess_a, public");
            assertThat(text(c, "select v || ' ' || pg_is_in_recovery() from sess_item where id = 1"))
                    .isEqualTo("sess_a true");
            exec(c, "RESET search_path");
            assertThat(text(c, "select v || ' ' || pg_is_in_recovery() from sess_item where id = 1"))
                    .isEqualTo("public true");
        }
    }

    @Test
    void setConfigAndResetAllThroughALogicalConnectionReachReplicaReads() throws SQLException {
        try (ReplicaSetDataSource ds = dataSource(4);
                Connection c = eventual(ds)) {
            String zone = defaultZone(ds);
            exec(c, "select set_config('TimeZone', '" + ZONE + "', false)");
            assertThat(text(c, SETTING_AND_NODE)).isEqualTo(ZONE + " true");
            exec(c, "RESET ALL");
            assertThat(text(c, SETTING_AND_NODE)).isEqualTo(zone + " true");
        }
    }

    @Test
    void aSetDoesNotLeakToTheNextBorrowerOfThePhysicalConnection() throws SQLException {
        try (ReplicaSetDataSource ds = dataSource(1)) {
            String zone = defaultZone(ds);
            String primaryPid;
            String replicaPid;
            try (Connection c = eventual(ds)) {
                exec(c, "set time zone '" + ZONE + "'");
                exec(c, "set search_path to sess_a, public");
                replicaPid = text(c, WHO);
                c.unwrap(ReplicaSetConnection.class).setConsistency(Consistency.STRONG);
                primaryPid = text(c, WHO);
            }
            try (Connection c = ds.getConnection()) {
                c.unwrap(ReplicaSetConnection.class).setConsistency(Consistency.STRONG);
                assertThat(text(c, WHO)).isEqualTo(primaryPid); // pools of one: the same physical connection
                assertThat(text(c, SETTING_AND_NODE)).isEqualTo(zone + " false");
                assertThat(text(c, "select v from sess_item where id = 1")).isEqualTo("public");
            }
            // Reads take turns over the two replicas: borrow until the first one's connection comes back.
            boolean seen = false;
            for (int i = 0; i < 10 && !seen; i++) {
                try (Connection c = eventual(ds)) {
                    seen = text(c, WHO).equals(replicaPid);
                    assertThat(text(c, SETTING_AND_NODE)).isEqualTo(zone + " true");
                    assertThat(text(c, "select v from sess_item where id = 1")).isEqualTo("public");
                }
            }
            assertThat(seen)
                    .as("the replica's physical connection was borrowed again")
                    .isTrue();
        }
    }

    @Test
    void setLocalIsTransactionScopedLikePostgres() throws SQLException {
        try (ReplicaSetDataSource ds = dataSource(4);
                Connection c = eventual(ds)) {
            String zone = defaultZone(ds);
            c.setAutoCommit(false);
            exec(c, "set local time zone '" + ZONE + "'");
            assertThat(text(c, SETTING_AND_NODE)).isEqualTo(ZONE + " false");
            c.commit();
            c.setAutoCommit(true);
            assertThat(text(c, SETTING_AND_NODE)).isEqualTo(zone + " true");
            c.unwrap(ReplicaSetConnection.class).setConsistency(Consistency.STRONG);
            assertThat(text(c, SETTING_AND_NODE)).isEqualTo(zone + " false");
        }
    }

    @Test
    void aSessionSetInATransactionLastsOnlyIfTheTransactionCommits() throws SQLException {
        try (ReplicaSetDataSource ds = dataSource(4);
                Connection c = eventual(ds)) {
            String zone = defaultZone(ds);
            c.setAutoCommit(false);
            exec(c, "set time zone '" + ZONE + "'");
            c.rollback();
            c.setAutoCommit(true);
            assertThat(text(c, SETTING_AND_NODE)).isEqualTo(zone + " true");
            c.setAutoCommit(false);
            exec(c, "set time zone '" + ZONE + "'");
            c.commit();
            c.setAutoCommit(true);
            assertThat(text(c, SETTING_AND_NODE)).isEqualTo(ZONE + " true");
        }
    }

    @Test
    void settingsStrataCannotReplayPinReadsToThePrimary() throws SQLException {
        try (ReplicaSetDataSource ds = dataSource(4)) {
            try (Connection c = eventual(ds)) {
                exec(c, "do $$ begin perform set_config('TimeZone', '" + ZONE + "', false); end $$");
                assertThat(text(c, SETTING_AND_NODE)).isEqualTo(ZONE + " false");
            }
            try (Connection c = eventual(ds)) {
                exec(c, "select 1; set time zone '" + ZONE + "'");
                assertThat(text(c, SETTING_AND_NODE)).isEqualTo(ZONE + " false");
            }
            try (Connection c = eventual(ds)) {
                assertThat(text(c, SETTING_AND_NODE)).endsWith(" true"); // a fresh connection is not pinned
            }
        }
    }
}
