package io.strata.router.internal.txn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.strata.router.KeyType;
import io.strata.router.ShardMap;
import io.strata.router.ShardingDataSource;
import io.strata.router.TableRule;
import io.strata.router.TransactionPolicy;
import io.strata.testkit.PgServer;
import io.strata.testkit.PgTopology;
import io.strata.testkit.WithPgTopology;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A checker for two-phase commit under participant faults (Jepsen's way). Four threads transfer one
 * unit between an account on each of two shards, each transfer also logging its id on both shards.
 * The nemesis kills a shard's server (SIGKILL, then restarts it) at the worst moment, right after
 * every shard prepared (every 40th decision), and freezes a random server for 150 ms now and then.
 * Recorded: every acknowledged transfer. Checked: right after its acknowledgement the transfer is
 * visible on both shards (read on each server directly, once it is up); after the run and recovery,
 * every transfer is on both shards or on neither, the balances sum to zero and match the complete
 * transfers, and nothing stays prepared.
 *
 * <p>The checker is shown to fail on a deliberately weakened commit that leaves a failed COMMIT
 * PREPARED to periodic recovery (the behaviour before the finish wait): acknowledged transfers are
 * then invisible on the restarted shard.
 */
@WithPgTopology(shards = 2)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TwoPhaseNemesisTest {

    private static final int ACCOUNTS = 10;

    private PgTopology topology;
    private final List<HikariDataSource> pools = new ArrayList<>();
    private final long[][] accounts = new long[2][ACCOUNTS];

    @BeforeAll
    void setUp(PgTopology topology) throws SQLException {
        this.topology = topology;
        for (int s = 0; s < 2; s++) {
            PgServer p = server(s);
            p.execute("create table nem_accounts (id bigint primary key, balance bigint not null)");
            p.execute("create table nem_log (tid bigint not null, id bigint not null, primary key (tid, id))");
            HikariConfig c = new HikariConfig();
            c.setJdbcUrl(p.jdbcUrl());
            c.setUsername(p.user());
            c.setMaximumPoolSize(6);
            c.setConnectionTimeout(120_000); // a restarting server is waited for, not failed at once
            c.setPoolName("nemesis-" + s);
            pools.add(new HikariDataSource(c));
        }
        ShardMap map = ShardMap.uniform(List.of("shard0", "shard1"));
        int[] filled = new int[2];
        for (long id = 1; filled[0] < ACCOUNTS || filled[1] < ACCOUNTS; id++) {
            int s = map.shardIndexOf(id, KeyType.LONG);
            if (filled[s] < ACCOUNTS) {
                accounts[s][filled[s]++] = id;
            }
        }
    }

    @AfterAll
    void tearDown() {
        pools.forEach(HikariDataSource::close);
    }

    private PgServer server(int shard) {
        return topology.shard(shard).primary();
    }

    /** What one run saw. */
    private record Run(int acknowledged, int failed, int kills, int freezes, List<String> violations) {}

    @Test
    void acknowledgedTransfersAreVisibleOnBothShardsAndEveryTransferIsAllOrNothing() throws Exception {
        Run run = run(false);
        assertThat(run.kills())
                .as("the nemesis killed a participant after prepare")
                .isGreaterThanOrEqualTo(2);
        assertThat(run.acknowledged()).isGreaterThan(50);
        assertThat(run.violations()).isEmpty();
    }

    @Test
    void theCheckerCatchesACommitThatLeavesAFailedCommitPreparedToRecovery() throws Exception {
        Run run = run(true);
        assertThat(run.kills()).isGreaterThanOrEqualTo(3);
        assertThat(run.violations())
                .as("acknowledged transfers invisible on the restarted shard")
                .isNotEmpty();
    }

    private Run run(boolean weakened) throws Exception {
        for (int s = 0; s < 2; s++) {
            server(s).execute("truncate nem_accounts, nem_log");
            StringBuilder values = new StringBuilder();
            for (long id : accounts[s]) {
                values.append(values.length() == 0 ? "" : ", ")
                        .append("(")
                        .append(id)
                        .append(", 0)");
            }
            server(s).execute("insert into nem_accounts values " + values);
        }
        AtomicBoolean faulting = new AtomicBoolean();
        AtomicInteger decisions = new AtomicInteger();
        AtomicInteger kills = new AtomicInteger();
        AtomicInteger freezes = new AtomicInteger();
        List<Thread> restarts = Collections.synchronizedList(new ArrayList<>());
        List<String> violations = Collections.synchronizedList(new ArrayList<>());
        Set<Long> acknowledged = Collections.synchronizedSet(new HashSet<>());
        AtomicInteger failed = new AtomicInteger();
        AtomicLong tids = new AtomicLong();
        try (ShardingDataSource router = ShardingDataSource.builder()
                .shard("shard0", pools.get(0))
                .shard("shard1", pools.get(1))
                .transactionPolicy(TransactionPolicy.TWO_PHASE)
                .coordinatorId("nemesis")
                .twoPhaseRecovery(Duration.ofSeconds(5))
                .twoPhaseFinishWait(Duration.ofMinutes(2))
                .table(TableRule.sharded("nem_accounts", "id", KeyType.LONG))
                .table(TableRule.sharded("nem_log", "id", KeyType.LONG))
                .build()) {
            TwoPhaseCommit twoPhase = router.unwrap(TwoPhaseCommit.class);
            if (weakened) {
                twoPhase.weakenFinish();
            }
            twoPhase.listener(new TwoPhaseCommit.Listener() {
                @Override
                public void decided(String gid) {
                    // the worst moment: every shard prepared, no COMMIT PREPARED sent yet
                    if (decisions.incrementAndGet() % 40 == 0 && faulting.compareAndSet(false, true)) {
                        PgServer victim = server(ThreadLocalRandom.current().nextInt(2));
                        victim.kill();
                        kills.incrementAndGet();
                        Thread restart = new Thread(
                                () -> {
                                    victim.start();
                                    faulting.set(false);
                                },
                                "nemesis-restart");
                        restarts.add(restart);
                        restart.start();
                    }
                }
            });
            // at least 12 s and 3 kills after prepare (a loaded machine commits fewer per second),
            // at most 2 minutes
            long start = System.nanoTime();
            long minimum = start + Duration.ofSeconds(12).toNanos();
            long cap = start + Duration.ofMinutes(2).toNanos();
            AtomicBoolean stop = new AtomicBoolean();
            Thread freezer = new Thread(
                    () -> {
                        while (!stop.get()) {
                            sleep(700);
                            if (faulting.compareAndSet(false, true)) {
                                PgServer victim =
                                        server(ThreadLocalRandom.current().nextInt(2));
                                victim.freeze();
                                sleep(150);
                                victim.thaw();
                                freezes.incrementAndGet();
                                faulting.set(false);
                            }
                        }
                    },
                    "nemesis-freeze");
            freezer.start();
            List<Thread> workers = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                Thread t = new Thread(
                        () -> {
                            ThreadLocalRandom random = ThreadLocalRandom.current();
                            while (true) {
                                long now = System.nanoTime();
                                if (now - cap > 0 || (now - minimum > 0 && kills.get() >= 3)) {
                                    break;
                                }
                                long tid = tids.incrementAndGet();
                                long a = accounts[0][random.nextInt(ACCOUNTS)];
                                long b = accounts[1][random.nextInt(ACCOUNTS)];
                                try {
                                    transfer(router, tid, a, b);
                                } catch (SQLException e) {
                                    failed.incrementAndGet(); // any outcome allowed, checked all-or-none below
                                    continue;
                                }
                                acknowledged.add(tid);
                                for (int s = 0; s < 2; s++) {
                                    if (logged(s, tid) == 0) {
                                        violations.add(
                                                "transfer " + tid + " acknowledged but not visible on shard" + s);
                                    }
                                }
                            }
                        },
                        "transfer-" + w);
                workers.add(t);
                t.start();
            }
            for (Thread t : workers) {
                t.join();
            }
            stop.set(true);
            freezer.join();
            for (Thread t : new ArrayList<>(restarts)) {
                t.join();
            }
            // every server up: recovery resolves what the kills left in doubt
            await().atMost(Duration.ofMinutes(2))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        twoPhase.recover(Duration.ZERO);
                        return prepared(0) + prepared(1) == 0;
                    });
        }
        // all or nothing, and the balances follow the complete transfers
        Set<Long> on0 = tidsOn(0);
        Set<Long> on1 = tidsOn(1);
        for (long tid : on0) {
            if (!on1.contains(tid)) {
                violations.add("transfer " + tid + " on shard0 only");
            }
        }
        for (long tid : on1) {
            if (!on0.contains(tid)) {
                violations.add("transfer " + tid + " on shard1 only");
            }
        }
        for (long tid : acknowledged) {
            if (!on0.contains(tid) || !on1.contains(tid)) {
                violations.add("acknowledged transfer " + tid + " lost");
            }
        }
        long sum0 = server(0).queryLong("select coalesce(sum(balance), 0) from nem_accounts");
        long sum1 = server(1).queryLong("select coalesce(sum(balance), 0) from nem_accounts");
        if (sum0 + sum1 != 0 || sum1 != on1.size()) {
            violations.add("balances " + sum0 + " + " + sum1 + " for " + on1.size() + " complete transfers");
        }
        Run run = new Run(acknowledged.size(), failed.get(), kills.get(), freezes.get(), violations);
        System.out.printf(
                "two-phase nemesis (%s): %d acknowledged, %d failed, %d kills after prepare, %d freezes,"
                        + " %d complete transfers, %d violations%s%n",
                weakened ? "weakened" : "as built",
                run.acknowledged(),
                run.failed(),
                run.kills(),
                run.freezes(),
                on1.size(),
                violations.size(),
                violations.isEmpty() ? "" : ", first: " + violations.get(0));
        return run;
    }

    private static void transfer(ShardingDataSource router, long tid, long a, long b) throws SQLException {
        try (Connection c = router.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement move =
                            c.prepareStatement("update nem_accounts set balance = balance + ? where id = ?");
                    PreparedStatement log = c.prepareStatement("insert into nem_log (tid, id) values (?, ?)")) {
                move.setLong(1, -1);
                move.setLong(2, a);
                move.executeUpdate();
                move.setLong(1, 1);
                move.setLong(2, b);
                move.executeUpdate();
                for (long id : new long[] {a, b}) {
                    log.setLong(1, tid);
                    log.setLong(2, id);
                    log.executeUpdate();
                }
            }
            c.commit();
        }
    }

    /** Rows of transfer {@code tid} on shard {@code s}, read on its server directly once it answers. */
    private long logged(int s, long tid) {
        long[] count = new long[1];
        await().atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofMillis(50))
                .ignoreExceptions()
                .until(() -> {
                    try (Connection c = server(s).connect();
                            PreparedStatement ps = c.prepareStatement("select count(*) from nem_log where tid = ?")) {
                        ps.setLong(1, tid);
                        try (ResultSet rs = ps.executeQuery()) {
                            rs.next();
                            count[0] = rs.getLong(1);
                        }
                    }
                    return true;
                });
        return count[0];
    }

    private Set<Long> tidsOn(int s) throws SQLException {
        Set<Long> out = new HashSet<>();
        try (Connection c = server(s).connect();
                PreparedStatement ps = c.prepareStatement("select tid from nem_log");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(rs.getLong(1));
            }
        }
        return out;
    }

    private long prepared(int s) {
        return server(s).queryLong("select count(*) from pg_prepared_xacts");
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis); // the nemesis' pacing, not a wait for an effect
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
