package io.strata.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.testkit.PgShard;
import io.strata.testkit.PgTopology;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Found by the demo after shard calls went parallel: two concurrent broadcast UPDATEs of one row
 * each locked it on a different shard first and waited for the other's shard, a deadlock no
 * PostgreSQL could see, until the network timeout failed both (reprice p99 27.9 s, 2 errors). Writes
 * now lock the shards in shard order, as one database locks its rows.
 */
@ExtendWith(FourShards.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BroadcastWriteOrderTest {

    private PgTopology topology;

    @BeforeAll
    void setUp(PgTopology topology) throws SQLException {
        this.topology = topology;
        FourShards.onEveryPrimary(topology, "create table bwo_prices (id bigint primary key, v bigint not null)");
        FourShards.onEveryPrimary(topology, "insert into bwo_prices values (1, 0)");
    }

    @AfterAll
    void tearDown() throws SQLException {
        FourShards.onEveryPrimary(topology, "drop table bwo_prices");
    }

    @Test
    void concurrentBroadcastUpdatesOfOneRowNeverDeadlockAcrossShards() throws Exception {
        int threads = 8;
        int each = 25;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (ShardingDataSource ds = FourShards.router(topology, b -> b.table(TableRule.broadcast("bwo_prices")))) {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < each; i++) {
                        try (Connection c = ds.getConnection();
                                Statement st = c.createStatement()) {
                            // Without an order, this deadlocks across shards until the network timeout.
                            st.setQueryTimeout(20);
                            st.executeUpdate("update bwo_prices set v = v + 1 where id = 1");
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get(5, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        for (PgShard shard : topology.shards()) {
            try (Connection c = shard.primary().connect();
                    Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("select v from bwo_prices where id = 1")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getLong(1)).as(shard.name()).isEqualTo((long) threads * each);
            }
        }
    }
}
