package io.strata.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.strata.replication.ReplicaSetDataSource;
import io.strata.testkit.PgServer;
import io.strata.testkit.PgShard;
import io.strata.testkit.PgTopology;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Statements that reach several shards run on all of them at once (issue 17): no pool deadlock
 * when many threads scatter over small pools, a clear SR010 when connections stay busy, cancel()
 * and query timeouts reaching every shard, and IN lists / ANY arrays split so each shard receives
 * only its own keys.
 */
@ExtendWith(FourShards.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ParallelExecutionTest {

    private static final int ROWS = 200;

    private PgTopology topology;
    private final List<HikariDataSource> pools = new ArrayList<>();
    /** Per shard name: the values bound on its physical prepared statements (cleared per check). */
    private final Map<String, List<Object>> bound = new ConcurrentHashMap<>();

    @BeforeAll
    void setUp(PgTopology topology) throws SQLException {
        this.topology = topology;
        FourShards.onEveryPrimary(topology, "create table par_items (id bigint primary key, v int not null)");
        try (ShardingDataSource ds = primaries(4, Duration.ofSeconds(30));
                Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("insert into par_items (id, v) values (?, ?)")) {
            for (int id = 1; id <= ROWS; id++) {
                ps.setLong(1, id);
                ps.setInt(2, id % 7);
                ps.addBatch();
            }
            ps.executeBatch();
        }
        FourShards.awaitReplicas(topology);
    }

    @AfterAll
    void tearDown() throws SQLException {
        for (HikariDataSource p : pools) {
            p.close();
        }
        FourShards.onEveryPrimary(topology, "drop table par_items");
    }

    /** A router straight over the shard primaries (HikariCP pools of {@code pool}), statements recorded. */
    private ShardingDataSource primaries(int pool, Duration wait) {
        try {
            ShardingDataSource.Builder b = ShardingDataSource.builder()
                    .coordinatorId("par-" + ProcessHandle.current().pid())
                    .coordinatorLog(Files.createTempDirectory("strata-par").resolve("coordinator.log"))
                    .connectionWait(wait)
                    .maxConnectionsPerShard(pool)
                    .table(TableRule.sharded("par_items", "id", KeyType.LONG));
            for (PgShard s : topology.shards()) {
                PgServer p = s.primary();
                HikariConfig c = new HikariConfig();
                c.setJdbcUrl(p.jdbcUrl());
                c.setUsername(p.user());
                c.setMaximumPoolSize(pool);
                c.setMinimumIdle(0);
                c.setPoolName("par-" + s.name() + "-" + pools.size());
                HikariDataSource h = new HikariDataSource(c);
                pools.add(h);
                b.shard(s.name(), recording(s.name(), h));
            }
            return b.build();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES) // a deadlock would hang: fail instead
    void sixteenThreadsScatterAtOnceOverPoolsOfFourWithoutDeadlockOrTimeout() throws Exception {
        ShardingDataSource.Builder b = ShardingDataSource.builder()
                .coordinatorId("par16-" + ProcessHandle.current().pid())
                .coordinatorLog(Files.createTempDirectory("strata-par").resolve("coordinator.log"))
                .closeShards(true)
                .maxConnectionsPerShard(4)
                .connectionWait(Duration.ofMinutes(5))
                .table(TableRule.sharded("par_items", "id", KeyType.LONG));
        for (PgShard s : topology.shards()) {
            b.shard(replicaSetWithPoolsOf(4, s));
        }
        int threads = 16;
        int rounds = 15;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (ShardingDataSource ds = b.build()) {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Long>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(pool.submit(() -> {
                    start.await();
                    long sum = 0;
                    for (int r = 0; r < rounds; r++) {
                        try (Connection c = ds.getConnection();
                                Statement st = c.createStatement();
                                ResultSet rs = st.executeQuery("select count(*), sum(id) from par_items")) {
                            assertThat(rs.next()).isTrue();
                            assertThat(rs.getLong(1)).isEqualTo(ROWS);
                            sum += rs.getLong(2);
                        }
                    }
                    return sum;
                }));
            }
            start.countDown();
            for (Future<Long> f : done) {
                assertThat(f.get()).isEqualTo(rounds * (long) ROWS * (ROWS + 1) / 2);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void connectionsBusyPastConnectionWaitFailWithSR010AndNothingSent() throws Exception {
        try (ShardingDataSource ds = primaries(1, Duration.ofMillis(300));
                Connection holder = ds.getConnection();
                Connection waiter = ds.getConnection()) {
            try (Statement st = holder.createStatement();
                    ResultSet rs = st.executeQuery("select count(*) from par_items")) {
                rs.next();
            }
            try (Statement st = waiter.createStatement()) {
                assertThatThrownBy(() -> st.executeQuery("select count(*) from par_items"))
                        .isInstanceOf(SQLException.class)
                        .hasMessageContaining("maxConnectionsPerShard")
                        .extracting(e -> ((SQLException) e).getSQLState())
                        .isEqualTo("SR010");
            }
            assertThat(waiter.unwrap(ShardingConnection.class).openShards()).isEmpty(); // all or none
            holder.close();
            try (Statement st = waiter.createStatement();
                    ResultSet rs = st.executeQuery("select count(*) from par_items")) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(ROWS);
            }
        }
    }

    /** Backends on every primary running the marker query now. */
    private long running(String marker) {
        long n = 0;
        for (PgShard s : topology.shards()) {
            n += s.primary()
                    .queryLong("select count(*) from pg_stat_activity where state = 'active' and query like '%" + marker
                            + "%' and pid <> pg_backend_pid()");
        }
        return n;
    }

    @Test
    void cancelReachesEveryShardWhileAllRunAtOnce() throws Exception {
        String marker = "par_cancel_marker";
        try (ShardingDataSource ds = primaries(4, Duration.ofSeconds(30));
                Connection c = ds.getConnection();
                Statement st = c.createStatement()) {
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread runner = new Thread(() -> {
                try {
                    st.executeQuery(
                            "select count(*) /* " + marker + " */ from par_items where pg_sleep(600) is not null");
                } catch (Throwable e) {
                    failure.set(e);
                }
            });
            runner.start();
            // Parallel: the statement runs on all 4 shards at the same time.
            await().atMost(Duration.ofMinutes(2)).until(() -> running(marker) == 4);
            st.cancel();
            runner.join(TimeUnit.MINUTES.toMillis(2));
            assertThat(runner.isAlive()).isFalse();
            assertThat(failure.get()).isInstanceOf(SQLException.class);
            assertThat(((SQLException) failure.get()).getSQLState()).isEqualTo("57014");
            await().atMost(Duration.ofMinutes(1)).until(() -> running(marker) == 0);
            // The connection stays usable.
            try (ResultSet rs = st.executeQuery("select count(*) from par_items")) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(ROWS);
            }
        }
    }

    @Test
    void queryTimeoutReachesEveryShard() throws Exception {
        String marker = "par_timeout_marker";
        try (ShardingDataSource ds = primaries(4, Duration.ofSeconds(30));
                Connection c = ds.getConnection();
                Statement st = c.createStatement()) {
            st.setQueryTimeout(2);
            assertThatThrownBy(() -> st.executeQuery(
                            "select count(*) /* " + marker + " */ from par_items where pg_sleep(600) is not null"))
                    .isInstanceOf(SQLException.class)
                    .extracting(e -> ((SQLException) e).getSQLState())
                    .isEqualTo("57014");
            await().atMost(Duration.ofMinutes(1)).until(() -> running(marker) == 0);
        }
    }

    @Test
    void anInListGivesEachShardOnlyItsOwnKeys() throws Exception {
        try (ShardingDataSource ds = primaries(4, Duration.ofSeconds(30));
                Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "select id, v from par_items where v >= ? and id in (" + "?, ".repeat(19) + "?) order by id")) {
            List<Long> ids = new ArrayList<>();
            ps.setInt(1, 0);
            for (int i = 0; i < 20; i++) {
                long id = 3 + 9L * i;
                ids.add(id);
                ps.setLong(i + 2, id);
            }
            bound.clear();
            List<Long> got = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    got.add(rs.getLong(1));
                }
            }
            assertThat(got).containsExactlyElementsOf(ids);
            assertOnlyOwnKeys(ds, ids, bound);
        }
    }

    @Test
    void anAnyArrayGivesEachShardOnlyItsOwnKeys() throws Exception {
        try (ShardingDataSource ds = primaries(4, Duration.ofSeconds(30));
                Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("select id from par_items where id = any(?) order by id")) {
            Long[] ids = new Long[20];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = 5 + 7L * i;
            }
            for (Object array : new Object[] {c.createArrayOf("bigint", ids), ids}) {
                if (array instanceof java.sql.Array a) {
                    ps.setArray(1, a);
                } else {
                    ps.setObject(1, array);
                }
                bound.clear();
                List<Long> got = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        got.add(rs.getLong(1));
                    }
                }
                assertThat(got).containsExactly(ids);
                assertOnlyOwnKeys(ds, List.of(ids), bound);
            }
        }
    }

    /** Every shard was sent some keys, only keys it owns, and together all of them. */
    private static void assertOnlyOwnKeys(ShardingDataSource ds, List<Long> ids, Map<String, List<Object>> sent)
            throws SQLException {
        TreeSet<Long> all = new TreeSet<>();
        for (Map.Entry<String, List<Object>> e : sent.entrySet()) {
            for (Object v : e.getValue()) {
                if (v instanceof Long key) {
                    assertThat(ds.shardMap().shardOf(key, KeyType.LONG))
                            .as("key %s sent to shard %s", key, e.getKey())
                            .isEqualTo(e.getKey());
                    all.add(key);
                }
            }
        }
        assertThat(all).containsExactlyElementsOf(new TreeSet<>(ids));
    }

    private static ReplicaSetDataSource replicaSetWithPoolsOf(int size, PgShard shard) {
        PgServer p = shard.primary();
        var b = ReplicaSetDataSource.builder()
                .name(shard.name())
                .primary(p.name(), p.jdbcUrl())
                .username(p.user())
                .primaryPool(c -> {
                    c.setMaximumPoolSize(size);
                    c.setMinimumIdle(0);
                })
                .replicaPool(c -> {
                    c.setMaximumPoolSize(size);
                    c.setMinimumIdle(0);
                });
        for (PgServer r : shard.replicas()) {
            b.replica(r.name(), r.jdbcUrl());
        }
        return b.build();
    }

    // ------------------------------------------------------------------ recording proxies (observe, never fake)

    private DataSource recording(String shard, DataSource target) {
        return proxy(
                DataSource.class,
                target,
                (m, args, result) -> result instanceof Connection c
                        ? proxy(
                                Connection.class,
                                c,
                                (m2, a2, r2) -> r2 instanceof PreparedStatement ps
                                        ? proxy(PreparedStatement.class, ps, (m3, a3, r3) -> {
                                            record(shard, m3.getName(), a3);
                                            return r3;
                                        })
                                        : r2)
                        : result);
    }

    private void record(String shard, String method, Object[] args) throws SQLException {
        if (!method.startsWith("set") || args == null || args.length < 2 || !(args[0] instanceof Integer)) {
            return;
        }
        List<Object> values = bound.computeIfAbsent(shard, k -> Collections.synchronizedList(new ArrayList<>()));
        Object v = args[1];
        if (v instanceof java.sql.Array a) {
            v = a.getArray();
        }
        if (v instanceof Object[] many) {
            values.addAll(List.of(many));
        } else if (v instanceof long[] longs) {
            for (long l : longs) {
                values.add(l);
            }
        } else {
            values.add(v);
        }
    }

    @FunctionalInterface
    private interface After {
        Object apply(java.lang.reflect.Method method, Object[] args, Object result) throws SQLException;
    }

    @SuppressWarnings("unchecked")
    private static <T> T proxy(Class<T> type, T target, After after) {
        InvocationHandler h = (p, method, args) -> {
            if (method.getName().equals("unwrap") || method.getName().equals("isWrapperFor")) {
                return method.invoke(target, args);
            }
            Object result;
            try {
                result = method.invoke(target, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
            return after.apply(method, args, result);
        };
        return (T) Proxy.newProxyInstance(ParallelExecutionTest.class.getClassLoader(), new Class<?>[] {type}, h);
    }
}
