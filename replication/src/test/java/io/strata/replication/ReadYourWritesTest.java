package io.strata.replication;

import static io.strata.replication.TestReplicaSets.awaitReplicasCaughtUp;
import static org.assertj.core.api.Assertions.assertThat;

import io.strata.testkit.PgServer;
import io.strata.testkit.PgShard;
import io.strata.testkit.PgTopology;
import io.strata.testkit.WithPgTopology;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Read-your-writes under replicas that pause and resume at random: every read finds its write,
 * whether the token stays in the connection or crosses threads as a string.
 */
@WithPgTopology(shards = 1, replicasPerShard = 2)
class ReadYourWritesTest {

    private static final int ITERATIONS = 10_000;
    private static final int THREADS = 4;

    private final PgShard shard;
    private static final AtomicLong ids = new AtomicLong();

    ReadYourWritesTest(PgTopology topology) {
        this.shard = topology.shard(0);
    }

    @BeforeAll
    static void schema(PgTopology topology) {
        topology.shard(0).primary().execute("create table ryw (id bigint primary key, v bigint not null)");
        awaitReplicasCaughtUp(topology.shard(0));
    }

    @AfterEach
    void resume() {
        for (PgServer r : shard.replicas()) {
            r.resumeReplay();
        }
    }

    private ReplicaSetDataSource dataSource() {
        return TestReplicaSets.build(
                shard, b -> b.consistency(Consistency.READ_YOUR_WRITES).primaryFallbackConcurrency(64));
    }

    @Test
    void writeThenReadOnSeveralThreadsNeverMissesWhileReplicasPauseAndResume() throws Exception {
        ConcurrentHashMap<String, AtomicInteger> servedBy = new ConcurrentHashMap<>();
        AtomicInteger misses = new AtomicInteger();
        try (ReplicaSetDataSource ds = dataSource();
                Chaos chaos = new Chaos(shard)) {
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    futures.add(pool.submit(() -> {
                        for (int i = 0; i < ITERATIONS / THREADS; i++) {
                            long id = ids.incrementAndGet();
                            try (Connection c = ds.getConnection()) {
                                insert(c, id);
                                if (!exists(c, id)) {
                                    misses.incrementAndGet();
                                }
                                servedBy.computeIfAbsent(TestReplicaSets.lastNode(c), k -> new AtomicInteger())
                                        .incrementAndGet();
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : futures) {
                    f.get(5, TimeUnit.MINUTES);
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(chaos.pauses.get())
                    .as("replicas were paused during the run")
                    .isPositive();
        }
        assertThat(misses.get()).isZero();
        assertThat(servedBy.values().stream().mapToInt(AtomicInteger::get).sum())
                .isEqualTo(ITERATIONS);
        assertThat(servedBy.keySet())
                .as("replicas served reads, not only the primary")
                .containsAnyOf(shard.replica(0).name(), shard.replica(1).name());
    }

    @Test
    void theTokenCarriesReadYourWritesAcrossThreadsAsAString() throws Exception {
        BlockingQueue<String[]> handoff = new ArrayBlockingQueue<>(64);
        AtomicInteger misses = new AtomicInteger();
        AtomicInteger replicaReads = new AtomicInteger();
        int writers = THREADS / 2;
        int perWriter = ITERATIONS / writers;
        try (ReplicaSetDataSource ds = dataSource();
                Chaos chaos = new Chaos(shard)) {
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (int w = 0; w < writers; w++) {
                    futures.add(pool.submit(() -> {
                        for (int i = 0; i < perWriter; i++) {
                            long id = ids.incrementAndGet();
                            String token;
                            try (Connection c = ds.getConnection()) {
                                insert(c, id);
                                token = c.unwrap(ReplicaSetConnection.class)
                                        .token()
                                        .toString();
                            }
                            handoff.put(new String[] {Long.toString(id), token});
                        }
                        return null;
                    }));
                }
                for (int r = 0; r < THREADS - writers; r++) {
                    futures.add(pool.submit(() -> {
                        for (int i = 0; i < perWriter; i++) {
                            String[] item = handoff.take();
                            try (Connection c = ds.getConnection()) {
                                c.unwrap(ReplicaSetConnection.class).requireToken(ConsistencyToken.parse(item[1]));
                                if (!exists(c, Long.parseLong(item[0]))) {
                                    misses.incrementAndGet();
                                }
                                if (!TestReplicaSets.lastNode(c)
                                        .equals(shard.primary().name())) {
                                    replicaReads.incrementAndGet();
                                }
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : futures) {
                    f.get(5, TimeUnit.MINUTES);
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(chaos.pauses.get()).isPositive();
        }
        assertThat(misses.get()).isZero();
        assertThat(replicaReads.get()).isPositive();
    }

    private static void insert(Connection c, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("insert into ryw (id, v) values (?, ?)")) {
            ps.setLong(1, id);
            ps.setLong(2, id * 2);
            ps.executeUpdate();
        }
    }

    private static boolean exists(Connection c, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select v from ryw where id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getLong(1) == id * 2;
            }
        }
    }

    /** Pauses a random replica's replay for a random 20-300 ms, over and over, until closed. */
    static final class Chaos implements AutoCloseable {
        final AtomicInteger pauses = new AtomicInteger();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;

        Chaos(PgShard shard) {
            thread = new Thread(
                    () -> {
                        ThreadLocalRandom random = ThreadLocalRandom.current();
                        while (running.get()) {
                            List<PgServer> replicas = shard.replicas();
                            boolean both = random.nextInt(4) == 0;
                            List<PgServer> victims =
                                    both ? replicas : List.of(replicas.get(random.nextInt(replicas.size())));
                            victims.forEach(PgServer::pauseReplay);
                            pauses.incrementAndGet();
                            try {
                                // Fault timing, not synchronisation: how long replay stays paused.
                                Thread.sleep(20 + random.nextInt(280));
                            } catch (InterruptedException e) {
                                running.set(false);
                            }
                            victims.forEach(PgServer::resumeReplay);
                        }
                    },
                    "chaos");
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join();
        }
    }
}
