package io.strata.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.strata.testkit.PgTopology;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Regression test for "SET through the router does not reach replica sessions": a session
 * setting issued through a router connection must hold for reads a replica serves, as it would
 * on one database.
 */
@ExtendWith(FourShards.class)
class SessionSettingsThroughRouterTest {

    private static final String ZONE = "Pacific/Kiritimati";

    private static String text(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            assertThat(rs.next()).isTrue();
            return rs.getString(1);
        }
    }

    @Test
    void setThroughTheRouterReachesReplicaSessions(PgTopology topology) throws SQLException {
        FourShards.onEveryPrimary(topology, "create schema if not exists sess_r");
        FourShards.onEveryPrimary(
                topology, "create table if not exists public.tmp_set (id bigint primary key, v text)");
        FourShards.onEveryPrimary(
                topology, "create table if not exists sess_r.tmp_set (id bigint primary key, v text)");
        FourShards.onEveryPrimary(topology, "insert into public.tmp_set values (1, 'public') on conflict do nothing");
        FourShards.onEveryPrimary(topology, "insert into sess_r.tmp_set values (1, 'sess_r') on conflict do nothing");
        FourShards.awaitReplicas(topology);
        try (ShardingDataSource router =
                FourShards.router(topology, b -> b.table(TableRule.sharded("tmp_set", "id", KeyType.LONG)))) {
            // Wait until a replica serves reads at all, so the assertions below are about replicas.
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                try (Connection c = router.getConnection()) {
                    return text(c, "select pg_is_in_recovery()::text from tmp_set where id = 1")
                            .equals("true");
                }
            });
            try (Connection c = router.getConnection();
                    Statement st = c.createStatement()) {
                st.execute("set time zone '" + ZONE + "'");
                assertThat(text(
                                c,
                                "select current_setting('TimeZone') || ' ' || pg_is_in_recovery()"
                                        + " from tmp_set where id = 1"))
                        .isEqualTo(ZONE + " true");
                assertThat(text(c, "select '2026-01-01 00:00:00+00'::timestamptz::text from tmp_set where id = 1"))
                        .isEqualTo("2026-01-01 14:00:00+14");
                st.execute("set search_path to sess_r, public");
                assertThat(text(c, "select v || ' ' || pg_is_in_recovery() from tmp_set where id = 1"))
                        .isEqualTo("sess_r true");
            }
        }
    }
}
