package io.strata.router.internal.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.router.KeyType;
import io.strata.router.ShardMap;
import io.strata.router.TableRule;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How statements that call sequence functions, and sequence DDL, are planned (no database). */
class SequencePlansTest {

    private final ShardMap map = ShardMap.uniform(List.of("s0", "s1", "s2", "s3"));
    private final RoutingRules rules = new RoutingRules(
            map,
            Map.of(
                    "orders", TableRule.sharded("orders", "customer_id", KeyType.LONG),
                    "settings", TableRule.single("settings", "s2"),
                    "audit", TableRule.single("audit", "s1")),
            -1,
            false);
    private final Planner planner = new Planner(rules, 100, new Sequences(Map.of("orders_seq", 1, "audit_seq", 1), -1));

    private Plan plan(String sql) throws SQLException {
        return planner.plan(sql);
    }

    @Test
    void tableFreeSequenceCallsRunOnTheHomeShard() throws SQLException {
        for (String sql : List.of(
                "select nextval('orders_seq')",
                "SELECT NEXTVAL('Orders_Seq')",
                "select nextval('public.orders_seq'::regclass)",
                "select currval('orders_seq')",
                "select setval('orders_seq', 1000)",
                "select nextval('orders_seq') as id, nextval('audit_seq')",
                "select nextval('orders_seq') from generate_series(1, 50)")) {
            Plan p = plan(sql);
            assertThat(p.isRejected()).as(sql + ": " + p.describe()).isFalse();
            assertThat(p.sequence).as(sql).isNotNull();
            assertThat(p.sequence.shard()).as(sql).isEqualTo(1);
            assertThat(p.calls(map, null, -1, 3, 4)).extracting(Call::shard).containsExactly(1);
        }
        assertThat(plan("select nextval('orders_seq')").sequence.advances()).isTrue();
        assertThat(plan("select currval('orders_seq')").sequence.advances()).isFalse();
        assertThat(plan("select lastval()").sequence.lastval()).isTrue();
    }

    @Test
    void globalSequenceDdlRunsOnTheHomeShardOnly() throws SQLException {
        for (String sql : List.of(
                "create sequence orders_seq start with 1 increment by 50",
                "create sequence if not exists ORDERS_SEQ",
                "alter sequence orders_seq restart with 5",
                "drop sequence if exists orders_seq cascade",
                "drop sequence orders_seq, audit_seq")) {
            Plan p = plan(sql);
            assertThat(p.target).as(sql).isEqualTo(Plan.Target.FIXED);
            assertThat(p.fixedShard).as(sql).isEqualTo(1);
        }
        assertThat(plan("create sequence other_seq").target).isEqualTo(Plan.Target.ALL);
        assertThat(plan("drop sequence orders_seq, other_seq").isRejected()).isTrue();
        assertThat(plan("create table t (id bigint default nextval('orders_seq'))")
                        .rejection()
                        .getSQLState())
                .isEqualTo("SR002");
    }

    @Test
    void sequenceCallsStrataCannotPlaceAreRejected() throws SQLException {
        for (String sql : List.of(
                "select nextval('orders_id_seq')",
                "select nextval(?)",
                "select nextval('orders_seq'), lastval()",
                "insert into orders (id, customer_id) values (nextval('orders_seq'), ?)",
                "select nextval('orders_seq') from orders",
                "insert into settings (id) values (nextval('orders_seq'))")) {
            Plan p = plan(sql);
            assertThat(p.isRejected()).as(sql).isTrue();
            assertThat(p.rejection().getSQLState()).as(sql).isEqualTo("SR002");
        }
        // a table that lives on the sequence's shard may call it in place
        Plan audit = plan("insert into audit (id, what) values (nextval('audit_seq'), ?)");
        assertThat(audit.isRejected()).isFalse();
        assertThat(audit.sequence.shard()).isEqualTo(1);
    }
}
