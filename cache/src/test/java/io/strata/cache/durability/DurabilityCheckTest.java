package io.strata.cache.durability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.strata.testkit.PgServer;
import io.strata.testkit.PgTopology;
import io.strata.testkit.RedisNode;
import io.strata.testkit.WithPgTopology;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The durability checker ({@link DurabilityChecker}) on both write-behind queues, and on a
 * deliberately weakened setting to show that it catches losses.
 *
 * <p>Short mode by default (3 member JVMs, 2 kill rounds, a few thousand puts: well under two
 * minutes per test). Long mode: {@code -Dstrata.durability.long=true} (12 rounds, about 40,000
 * acknowledged puts per round, 20,000 keys per writer); {@code strata.durability.rounds},
 * {@code .acksPerRound} and {@code .keysPerWriter} override each.
 */
@WithPgTopology(shards = 1, replicasPerShard = 0)
class DurabilityCheckTest {

    private static final boolean LONG = Boolean.getBoolean("strata.durability.long");
    private static final int ROUNDS = Integer.getInteger("strata.durability.rounds", LONG ? 12 : 2);
    private static final long ACKS_PER_ROUND = Long.getLong("strata.durability.acksPerRound", LONG ? 40_000 : 4_000);
    private static final long KEYS_PER_WRITER = Long.getLong("strata.durability.keysPerWriter", LONG ? 20_000 : 2_000);

    private static PgServer pg;

    @TempDir
    Path dir;

    @BeforeAll
    static void start(PgTopology topology) {
        pg = topology.shard(0).primary();
    }

    @Test
    void hazelcastQueue_membersKilledMidFlush_noAcknowledgedWriteLost() throws Exception {
        DurabilityChecker checker = new DurabilityChecker(
                DurabilityChecker.Mode.HAZELCAST,
                pg,
                null,
                null,
                dir,
                "dur_hz",
                3,
                KEYS_PER_WRITER,
                ROUNDS,
                ACKS_PER_ROUND);
        DurabilityChecker.Result r = checker.run(() -> {});
        System.out.println("durability check, Hazelcast queue: " + r);
        assertThat(r.memberKills()).isEqualTo(ROUNDS);
        assertThat(r.acknowledged()).isGreaterThan(ROUNDS * ACKS_PER_ROUND);
        assertThat(r.lost()).as("acknowledged writes lost: " + r).isZero();
    }

    @Test
    void redisQueue_membersAndRedisKilledMidFlush_withAofAlways_noAcknowledgedWriteLost() throws Exception {
        try (RedisNode redis =
                RedisNode.builder().appendOnly(RedisNode.AppendFsync.ALWAYS).start()) {
            LongSupplier depth = DurabilityChecker.redisDepth(redis, "dur_redis", 8);
            DurabilityChecker checker = new DurabilityChecker(
                    DurabilityChecker.Mode.REDIS,
                    pg,
                    redis,
                    "FSYNC_ALWAYS",
                    dir,
                    "dur_redis",
                    3,
                    KEYS_PER_WRITER,
                    ROUNDS,
                    ACKS_PER_ROUND);
            DurabilityChecker.Result r = checker.run(() -> awaitQueued(depth));
            System.out.println("durability check, Redis queue, appendfsync always: " + r);
            assertThat(r.redisKills()).isEqualTo(ROUNDS);
            assertThat(r.lost()).as("acknowledged writes lost: " + r).isZero();
        }
    }

    /**
     * The weakened setting: Redis without the AOF, the durability check switched off. A checker that
     * reports no loss here would prove nothing.
     */
    @Test
    void weakened_redisWithoutAof_durabilityUnchecked_theCheckerReportsLosses() throws Exception {
        try (RedisNode redis = RedisNode.start()) {
            LongSupplier depth = DurabilityChecker.redisDepth(redis, "dur_weak", 8);
            DurabilityChecker checker = new DurabilityChecker(
                    DurabilityChecker.Mode.REDIS,
                    pg,
                    redis,
                    "UNCHECKED",
                    dir,
                    "dur_weak",
                    3,
                    KEYS_PER_WRITER,
                    1,
                    ACKS_PER_ROUND);
            DurabilityChecker.Result r = checker.run(() -> awaitQueued(depth));
            System.out.println("durability check, weakened (appendonly no, UNCHECKED): " + r);
            assertThat(r.lost())
                    .as("the checker must see the losses of a Redis without AOF: " + r)
                    .isPositive();
        }
    }

    /** Waits until entries are queued and not yet flushed, so that a kill of redis-server lands mid-flush. */
    private static void awaitQueued(LongSupplier depth) {
        await("write-behind entries queued in Redis")
                .atMost(Duration.ofMinutes(1))
                .pollInterval(Duration.ofMillis(5))
                .until(() -> depth.getAsLong() >= 20);
    }
}
