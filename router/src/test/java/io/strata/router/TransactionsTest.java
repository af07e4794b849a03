package io.strata.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.strata.testkit.PgShard;
import io.strata.testkit.PgTopology;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** Transactions across shards: two-phase commit, its failure paths, crash recovery, REJECT, savepoints. */
@ExtendWith(FourShards.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TransactionsTest {

    private PgTopology topology;
    private ShardingDataSource router;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private long keyA;
    private long keyB;

    @BeforeAll
    void setUp(PgTopology topology) throws SQLException {
        this.topology = topology;
        FourShards.onEveryPrimary(
                topology,
                "create table t_accounts (id bigint primary key, note text,"
                        + " v int, constraint t_v unique (v) deferrable initially deferred)");
        router = FourShards.router(
                topology, b -> b.meterRegistry(registry).table(TableRule.sharded("t_accounts", "id", KeyType.LONG)));
        keyA = 1;
        keyB = 2;
        while (router.shardMap().shardIndexOf(keyB, KeyType.LONG)
                == router.shardMap().shardIndexOf(keyA, KeyType.LONG)) {
            keyB++;
        }
    }

    @BeforeEach
    void clean() throws SQLException {
        FourShards.onEveryPrimary(topology, "truncate t_accounts");
    }

    @AfterAll
    void tearDown() throws SQLException {
        router.close();
        FourShards.onEveryPrimary(topology, "drop table t_accounts");
    }

    private PgShard owner(long key) throws SQLException {
        return topology.shard(router.shardMap().shardIndexOf(key, KeyType.LONG));
    }

    private long rows(long key) throws SQLException {
        return owner(key).primary().queryLong("select count(*) from t_accounts where id = " + key);
    }

    private static void insert(Connection c, long id, Integer v) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("insert into t_accounts (id, note, v) values (?, ?, ?)")) {
            ps.setLong(1, id);
            ps.setString(2, "n");
            if (v == null) {
                ps.setNull(3, java.sql.Types.INTEGER);
            } else {
                ps.setInt(3, v);
            }
            ps.executeUpdate();
        }
    }

    @Test
    void aTransactionOverTwoShardsCommitsOnBothWithTwoPhaseCommit() throws SQLException {
        double before =
                registry.counter("strata.router.2pc", "outcome", "committed").count();
        try (Connection c = router.getConnection()) {
            c.setAutoCommit(false);
            insert(c, keyA, null);
            insert(c, keyB, null);
            assertThat(rows(keyA)).isZero(); // not visible before commit
            c.commit();
        }
        assertThat(rows(keyA)).isEqualTo(1);
        assertThat(rows(keyB)).isEqualTo(1);
        assertThat(FourShards.preparedTransactions(topology)).isZero();
        assertThat(registry.counter("strata.router.2pc", "outcome", "committed").count())
                .isEqualTo(before + 1);
    }

    @Test
    void rollbackUndoesEveryShard() throws SQLException {
        try (Connection c = router.getConnection()) {
            c.setAutoCommit(false);
            insert(c, keyA, null);
            insert(c, keyB, null);
            c.rollback();
        }
        assertThat(rows(keyA) + rows(keyB)).isZero();
    }

    @Test
    void aShardThatFailsToPrepareAbortsTheWholeTransaction() throws SQLException {
        // A deferred unique constraint is checked at PREPARE: shard B already holds v = 7.
        owner(keyB)
                .primary()
                .execute("insert into t_accounts (id, note, v) values (" + (keyB + 1000 * 4) + ", 'x', 7)");
        try (Connection c = router.getConnection()) {
            c.setAutoCommit(false);
            insert(c, keyA, 5);
            insert(c, keyB, 7);
            assertThatThrownBy(c::commit)
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("nothing was committed");
        }
        assertThat(rows(keyA) + rows(keyB)).isZero();
        assertThat(FourShards.preparedTransactions(topology)).isZero();
    }

    @Test
    void aMultiRowInsertAcrossShardsInAutoCommitIsAllOrNothing() throws SQLException {
        owner(keyB).primary().execute("insert into t_accounts (id, note) values (" + keyB + ", 'exists')");
        try (Connection c = router.getConnection();
                Statement st = c.createStatement()) {
            assertThatThrownBy(() -> st.executeUpdate(
                            "insert into t_accounts (id, note) values (" + keyA + ", 'a'), (" + keyB + ", 'b')"))
                    .isInstanceOf(SQLException.class);
        }
        assertThat(rows(keyA)).isZero();
        assertThat(owner(keyB).primary().queryString("select note from t_accounts where id = " + keyB))
                .isEqualTo("exists");
    }

    @Test
    void theRejectPolicyRefusesTheSecondShardAndKeepsTheFirst() throws SQLException {
        try (ShardingDataSource reject = FourShards.router(
                        topology,
                        b -> b.transactionPolicy(TransactionPolicy.REJECT)
                                .table(TableRule.sharded("t_accounts", "id", KeyType.LONG)));
                Connection c = reject.getConnection()) {
            c.setAutoCommit(false);
            insert(c, keyA, null);
            assertThatThrownBy(() -> insert(c, keyB, null))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("REJECT");
            c.commit();
        }
        assertThat(rows(keyA)).isEqualTo(1);
        assertThat(rows(keyB)).isZero();
    }

    @Test
    void savepointsWorkWithinOneShard() throws SQLException {
        long sameShard = keyA + 1;
        while (router.shardMap().shardIndexOf(sameShard, KeyType.LONG)
                != router.shardMap().shardIndexOf(keyA, KeyType.LONG)) {
            sameShard++;
        }
        try (Connection c = router.getConnection()) {
            c.setAutoCommit(false);
            insert(c, keyA, null);
            Savepoint sp = c.setSavepoint("before_second");
            insert(c, sameShard, null);
            assertThatThrownBy(() -> insert(c, keyB, null)).hasMessageContaining("savepoints work within one shard");
            c.rollback(sp);
            c.commit();
        }
        assertThat(rows(keyA)).isEqualTo(1);
        assertThat(rows(sameShard)).isZero();
        assertThat(rows(keyB)).isZero();
    }

    @Test
    void aCoordinatorKilledAfterOnlyOneShardPreparedLeavesNothingAfterRecovery() throws Exception {
        Path yaml = crash("partial", "PARTIAL");
        assertThat(FourShards.preparedTransactions(topology)).isEqualTo(1);
        try (ShardingDataSource restarted = ShardingDataSource.fromYaml(yaml)) {
            assertThat(restarted.shards()).hasSize(4);
        }
        assertThat(rows(keyA) + rows(keyB)).isZero();
        assertThat(FourShards.preparedTransactions(topology)).isZero();
    }

    @Test
    void aCoordinatorKilledAfterEveryShardPreparedCommitsBothAfterRecovery() throws Exception {
        // Every participant prepared is the commit point: no coordinator-side decision is needed.
        Path yaml = crash("decided", "DECIDED");
        assertThat(FourShards.preparedTransactions(topology)).isEqualTo(2);
        assertThat(rows(keyA) + rows(keyB)).isZero();
        try (ShardingDataSource restarted = ShardingDataSource.fromYaml(yaml)) {
            assertThat(restarted.shards()).hasSize(4);
        }
        assertThat(rows(keyA)).isEqualTo(1);
        assertThat(rows(keyB)).isEqualTo(1);
        assertThat(FourShards.preparedTransactions(topology)).isZero();
    }

    @Test
    void aCoordinatorKilledAfterOneShardCommittedCommitsTheOtherAfterRecovery() throws Exception {
        Path yaml = crash("committed-one", "COMMITTED-ONE");
        assertThat(FourShards.preparedTransactions(topology)).isEqualTo(1);
        assertThat(rows(keyA) + rows(keyB)).isEqualTo(1);
        try (ShardingDataSource restarted = ShardingDataSource.fromYaml(yaml)) {
            assertThat(restarted.shards()).hasSize(4);
        }
        assertThat(rows(keyA)).isEqualTo(1);
        assertThat(rows(keyB)).isEqualTo(1);
        assertThat(FourShards.preparedTransactions(topology)).isZero();
    }

    @Test
    void twoPhaseCommitRefusesToStartWhenTheMarkersTableCannotBeCreated() {
        // A user without the CREATE privilege on a database that has no strata_meta.tx_markers.
        io.strata.testkit.PgServer p = topology.shard(0).primary();
        p.execute("create role strata_noddl login");
        p.execute("create database strata_noddl_db");
        try {
            assertThatThrownBy(() -> ShardingDataSource.builder()
                            .shard(io.strata.replication.ReplicaSetDataSource.builder()
                                    .name("shard0")
                                    .primary(p.name(), p.jdbcUrl("strata_noddl_db"))
                                    .username("strata_noddl")
                                    .primaryPool(c -> c.setMaximumPoolSize(2))
                                    .build())
                            .closeShards(true)
                            .build())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("shard0")
                    .hasMessageContaining("create schema if not exists strata_meta")
                    .hasMessageContaining("create table if not exists strata_meta.tx_markers")
                    .hasMessageContaining("CREATE privilege")
                    .hasMessageContaining("TransactionPolicy.REJECT");
            // Once an administrator created it and granted the user, it starts.
            try (Connection admin = java.sql.DriverManager.getConnection(p.jdbcUrl("strata_noddl_db"), p.user(), "");
                    Statement st = admin.createStatement()) {
                st.execute("create schema strata_meta");
                st.execute(
                        "create table strata_meta.tx_markers (gid text primary key,"
                                + " aborted boolean not null default false, at timestamptz not null default clock_timestamp())");
                st.execute("grant usage on schema strata_meta to strata_noddl");
                st.execute("grant select, insert, delete on strata_meta.tx_markers to strata_noddl");
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
            try (ShardingDataSource ok = ShardingDataSource.builder()
                    .shard(io.strata.replication.ReplicaSetDataSource.builder()
                            .name("shard0")
                            .primary(p.name(), p.jdbcUrl("strata_noddl_db"))
                            .username("strata_noddl")
                            .primaryPool(c -> c.setMaximumPoolSize(2))
                            .build())
                    .closeShards(true)
                    .build()) {
                assertThat(ok.shards()).containsExactly("shard0");
            }
        } finally {
            p.execute("drop database if exists strata_noddl_db with (force)");
            p.execute("drop role if exists strata_noddl");
        }
    }

    @Test
    void anotherCoordinatorsInDoubtTransactionIsResolvedOnceOlderThanTheRecoveryAge() throws Exception {
        // A coordinator "gone-elsewhere" prepared on both shards (so: committed) and vanished.
        String gid = "strata_gone-elsewhere_" + "0123456789abcdef01234567".substring(0, 24) + "_2";
        for (long key : new long[] {keyA, keyB}) {
            try (Connection c = owner(key).primary().connect();
                    Statement st = c.createStatement()) {
                c.setAutoCommit(false);
                st.execute("insert into t_accounts (id, note) values (" + key + ", 'other')");
                st.execute("insert into strata_meta.tx_markers (gid) values ('" + gid + "')");
                st.execute("prepare transaction '" + gid + "'");
            }
        }
        assertThat(rows(keyA) + rows(keyB)).isZero();
        try (ShardingDataSource ds = FourShards.router(
                topology,
                b -> b.twoPhaseRecovery(java.time.Duration.ofMillis(300))
                        .table(TableRule.sharded("t_accounts", "id", KeyType.LONG)))) {
            org.awaitility.Awaitility.await()
                    .atMost(java.time.Duration.ofSeconds(60))
                    .until(() -> rows(keyA) + rows(keyB) == 2);
        }
        assertThat(FourShards.preparedTransactions(topology)).isZero();
    }

    /** Runs the child JVM until it reports the phase, then SIGKILLs it. Returns its YAML. */
    private Path crash(String phase, String marker) throws Exception {
        Path yaml = FourShards.yaml(topology, "  t_accounts: { sharded: id, type: bigint }\n", "");
        List<String> command = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse("java"),
                "-cp",
                System.getProperty("java.class.path"),
                TwoPhaseCrashChild.class.getName(),
                yaml.toString(),
                phase,
                "t_accounts",
                Long.toString(keyA),
                Long.toString(keyB)));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        StringBuilder output = new StringBuilder();
        try (BufferedReader out =
                new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            boolean seen = false;
            while ((line = out.readLine()) != null) {
                output.append(line).append('\n');
                if (line.startsWith(marker)) {
                    seen = true;
                    break;
                }
            }
            assertThat(seen).as("child output:\n%s", output).isTrue();
            child.destroyForcibly(); // SIGKILL: no shutdown hooks, no finally blocks
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            child.destroyForcibly();
        }
        return yaml;
    }

    @Test
    void twoPhaseCommitRefusesToStartWithoutPreparedTransactions() {
        try (PgTopology off = PgTopology.builder()
                .shards(1)
                .replicasPerShard(0)
                .setting("max_prepared_transactions", "0")
                .start()) {
            PgShard shard = off.shard(0);
            assertThatThrownBy(() -> ShardingDataSource.builder()
                            .shard(FourShards.replicaSet(shard))
                            .coordinatorLog(
                                    java.nio.file.Files.createTempDirectory("x").resolve("log"))
                            .closeShards(true)
                            .build())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("max_prepared_transactions = 0")
                    .hasMessageContaining("shard0")
                    .hasMessageContaining("TransactionPolicy.REJECT");
            // REJECT does not need prepared transactions.
            try (ShardingDataSource ok = ShardingDataSource.builder()
                    .shard(FourShards.replicaSet(shard))
                    .transactionPolicy(TransactionPolicy.REJECT)
                    .closeShards(true)
                    .build()) {
                assertThat(ok.shards()).containsExactly("shard0");
            }
        }
    }
}
