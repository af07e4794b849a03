package io.strata.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.testkit.PgTopology;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Bytes the calling thread allocates per routed point select with the default
 * {@code ObservationRegistry.NOOP}, measured with {@code ThreadMXBean}. Only compiles against the
 * public builder, so the same class measures the router before tracing existed; the figure is
 * printed (the report compares the two builds) and checked only to be measured at all.
 */
@ExtendWith(FourShards.class)
class TracingAllocationTest {

    @Test
    void pointSelectAllocationWithoutARegistry(PgTopology topology) throws SQLException {
        FourShards.onEveryPrimary(topology, "create table ta_users (id bigint primary key, name text)");
        try (ShardingDataSource router =
                FourShards.router(topology, b -> b.table(TableRule.sharded("ta_users", "id", KeyType.LONG)))) {
            com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long tid = Thread.currentThread().getId();
            try (Connection c = router.getConnection();
                    PreparedStatement ps = c.prepareStatement("select name from ta_users where id = ?")) {
                run(ps, 5_000); // warm-up: plan cache, JIT, pools
                long perSelect = Long.MAX_VALUE;
                for (int round = 0; round < 5; round++) { // the least of 5 rounds: other work shows less
                    long before = mx.getThreadAllocatedBytes(tid);
                    int n = 4_000;
                    run(ps, n);
                    perSelect = Math.min(perSelect, (mx.getThreadAllocatedBytes(tid) - before) / n);
                }
                System.out.println("TRACING-ALLOC bytes per point select (NOOP): " + perSelect);
                assertThat(perSelect).isPositive();
            }
        } finally {
            FourShards.onEveryPrimary(topology, "drop table ta_users");
        }
    }

    private static void run(PreparedStatement ps, int n) throws SQLException {
        for (int i = 0; i < n; i++) {
            ps.setLong(1, i % 100);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
            }
        }
    }
}
