package io.strata.router;

import static org.awaitility.Awaitility.await;

import io.strata.replication.ReplicaSetDataSource;
import io.strata.testkit.PgServer;
import io.strata.testkit.PgShard;
import io.strata.testkit.PgTopology;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One 4 x (primary + 1 replica) topology for every test class of the run that uses this extension
 * (kept in JUnit's root store, closed when the run ends), so the slow start happens once on the
 * shared 2-core machine.
 */
public final class FourShards implements BeforeAllCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(FourShards.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        topology(context);
    }

    private static PgTopology topology(ExtensionContext context) {
        return context.getRoot()
                .getStore(NS)
                .getOrComputeIfAbsent(
                        "topology",
                        k -> new Closing(PgTopology.builder()
                                .shards(4)
                                .replicasPerShard(1)
                                .setting("max_connections", "120")
                                .start()),
                        Closing.class)
                .topology;
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == PgTopology.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return topology(context);
    }

    @SuppressWarnings("deprecation")
    private record Closing(PgTopology topology) implements ExtensionContext.Store.CloseableResource, AutoCloseable {
        @Override
        public void close() {
            topology.close();
        }
    }

    /**
     * A replica set over a testkit shard, with small pools. Reads default to READ_YOUR_WRITES:
     * router tests compare answers with what they wrote a moment before, which EVENTUAL does not
     * promise (a replica may lag under load, and did: MapEpochTest, TimeRangeTest); tests of
     * EVENTUAL or bounded reads ask for them explicitly.
     */
    public static ReplicaSetDataSource replicaSet(PgShard shard) {
        PgServer p = shard.primary();
        var b = ReplicaSetDataSource.builder()
                .name(shard.name())
                .primary(p.name(), p.jdbcUrl())
                .username(p.user())
                .consistency(io.strata.replication.Consistency.READ_YOUR_WRITES)
                .primaryPool(c -> c.setMaximumPoolSize(5))
                .replicaPool(c -> c.setMaximumPoolSize(3));
        for (PgServer r : shard.replicas()) {
            b.replica(r.name(), r.jdbcUrl());
        }
        return b.build();
    }

    /** A sharding data source over every shard, customised, with a private coordinator log. */
    public static ShardingDataSource router(PgTopology topology, Consumer<ShardingDataSource.Builder> rules) {
        try {
            ShardingDataSource.Builder b = ShardingDataSource.builder()
                    .coordinatorId("test-" + ProcessHandle.current().pid())
                    .coordinatorLog(Files.createTempDirectory("strata-2pc").resolve("coordinator.log"))
                    .closeShards(true);
            for (PgShard s : topology.shards()) {
                b.shard(replicaSet(s));
            }
            rules.accept(b);
            return b.build();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Inserts one two-phase "pair" into {@code table (id bigint, pair bigint)}: rows {@code pair*2}
     * and {@code pair*2+1} (the second moved by 10^9 until it lives on another shard), both with
     * column {@code pair}, in one statement, so one statement takes both shards at once (all or
     * none, in shard order); two statements would take them one at a time, and many threads over
     * few permits could wait on each other.
     */
    public static void insertPair(ShardingDataSource ds, Connection c, String table, long pair) throws SQLException {
        long a = pair * 2;
        long b = pair * 2 + 1;
        while (ds.shardMap().shardIndexOf(b, KeyType.LONG) == ds.shardMap().shardIndexOf(a, KeyType.LONG)) {
            b += 1_000_000_000L;
        }
        try (PreparedStatement ps = c.prepareStatement("insert into " + table + " (id, pair) values (?, ?), (?, ?)")) {
            ps.setLong(1, a);
            ps.setLong(2, pair);
            ps.setLong(3, b);
            ps.setLong(4, pair);
            ps.executeUpdate();
        }
    }

    /** Rows per pair of {@code table}, read straight from every primary (2 = complete). */
    public static Map<Long, Long> pairs(PgTopology topology, String table) throws SQLException {
        Map<Long, Long> out = new HashMap<>();
        for (PgShard s : topology.shards()) {
            try (Connection c = s.primary().connect();
                    Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("select pair, count(*) from " + table + " group by pair")) {
                while (rs.next()) {
                    out.merge(rs.getLong(1), rs.getLong(2), Long::sum);
                }
            }
        }
        return out;
    }

    /** Writes a YAML configuration for the topology and returns its path. */
    public static Path yaml(PgTopology topology, String tables, String extra) throws java.io.IOException {
        StringBuilder sb = new StringBuilder("shards:\n");
        for (PgShard s : topology.shards()) {
            sb.append("  - name: ")
                    .append(s.name())
                    .append('\n')
                    .append("    primary: ")
                    .append(s.primary().jdbcUrl())
                    .append('\n')
                    .append("    username: ")
                    .append(s.primary().user())
                    .append('\n')
                    .append("    pool: { maximumPoolSize: 4, minimumIdle: 0 }\n")
                    .append("    replicas:\n");
            for (PgServer r : s.replicas()) {
                sb.append("      - ").append(r.jdbcUrl()).append('\n');
            }
        }
        Path dir = Files.createTempDirectory("strata-yaml");
        sb.append("tables:\n").append(tables);
        sb.append("transactions: { policy: two-phase, coordinatorId: yaml-")
                .append(ProcessHandle.current().pid())
                .append(", log: ")
                .append(dir.resolve("coordinator.log"))
                .append(" }\n");
        sb.append(extra);
        Path file = dir.resolve("strata.yaml");
        Files.writeString(file, sb.toString());
        return file;
    }

    /** Waits until every replica has replayed what its primary has written. */
    public static void awaitReplicas(PgTopology topology) {
        for (PgShard shard : topology.shards()) {
            long target = shard.primary().queryLong("select (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint");
            for (PgServer r : shard.replicas()) {
                await().atMost(Duration.ofSeconds(30))
                        .until(() ->
                                r.queryLong("select (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint") >= target);
            }
        }
    }

    /** A count on one server directly. */
    public static long count(PgServer server, String sql) {
        return server.queryLong(sql);
    }

    /** Runs SQL on every primary directly. */
    public static void onEveryPrimary(PgTopology topology, String sql) throws SQLException {
        for (PgShard s : topology.shards()) {
            try (Connection c = s.primary().connect();
                    Statement st = c.createStatement()) {
                st.execute(sql);
            }
        }
    }

    /** Prepared transactions left on any primary. */
    public static long preparedTransactions(PgTopology topology) throws SQLException {
        long n = 0;
        for (PgShard s : topology.shards()) {
            try (Connection c = s.primary().connect();
                    Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("select count(*) from pg_prepared_xacts")) {
                rs.next();
                n += rs.getLong(1);
            }
        }
        return n;
    }
}
