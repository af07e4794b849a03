package io.strata.replication;

import static org.awaitility.Awaitility.await;

import io.strata.testkit.PgServer;
import io.strata.testkit.PgShard;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.function.Consumer;

/** Builds data sources over a testkit shard, with small pools (the machine is shared). */
final class TestReplicaSets {

    private TestReplicaSets() {}

    static ReplicaSetDataSourceBuilder builder(PgShard shard) {
        PgServer p = shard.primary();
        ReplicaSetDataSourceBuilder b = ReplicaSetDataSource.builder()
                .name(shard.name())
                .primary(p.name(), p.jdbcUrl())
                .username(p.user())
                .primaryPool(c -> c.setMaximumPoolSize(6))
                .replicaPool(c -> c.setMaximumPoolSize(6));
        for (PgServer r : shard.replicas()) {
            b.replica(r.name(), r.jdbcUrl());
        }
        return b;
    }

    static ReplicaSetDataSource build(PgShard shard, Consumer<ReplicaSetDataSourceBuilder> customizer) {
        ReplicaSetDataSourceBuilder b = builder(shard);
        customizer.accept(b);
        return b.build();
    }

    /** Waits until every replica has replayed everything the primary has written so far. */
    static void awaitReplicasCaughtUp(PgShard shard) {
        long target = shard.primary().queryLong("select (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint");
        for (PgServer r : shard.replicas()) {
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> r.queryLong("select (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint") >= target);
        }
    }

    /** Runs a one-value query through a connection, returning the value (null when no row). */
    static Long queryLong(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : null;
            }
        }
    }

    static int update(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            return ps.executeUpdate();
        }
    }

    static String lastNode(Connection c) throws SQLException {
        return c.unwrap(ReplicaSetConnection.class).lastNode().orElseThrow();
    }

    static NodeState state(ReplicaSetDataSource ds, String node) {
        return ds.nodeStates().stream()
                .filter(s -> s.name().equals(node))
                .findFirst()
                .orElseThrow();
    }
}
