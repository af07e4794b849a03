package io.strata.router;

import io.strata.router.internal.txn.TwoPhaseCommit;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Run in a child JVM by {@link ConcurrentTwoPhaseTest}: {@code threads} threads each commit
 * transactions that insert one row on each of two shards (rows {@code pair*2} and
 * {@code pair*2+1} sharing the {@code pair} column), printing {@code COMMITTED <pair>} after each
 * commit returns. Once enough have committed, one transaction is stopped for good after only ONE
 * of its shards prepared (the other shard's marker insert and PREPARE are never sent:
 * {@code PARTIAL <pair>}), and another right after ALL its shards prepared, before any COMMIT
 * PREPARED ({@code DECIDED <pair>}: committed by the protocol); then {@code READY} is printed and
 * the parent SIGKILLs the JVM while the other threads keep committing.
 *
 * <p>Arguments: yaml-path, table, threads.
 */
public final class ConcurrentCrashChild {

    private ConcurrentCrashChild() {}

    public static void main(String[] args) throws Exception {
        String url = "jdbc:strata:" + args[0];
        String table = args[1];
        int threads = Integer.parseInt(args[2]);
        DriverManager.getConnection(url).close();
        Driver driver = (Driver) DriverManager.getDriver(url);
        ShardingDataSource ds = driver.dataSource(url);
        AtomicInteger committed = new AtomicInteger();
        // 0: running; 1: partial gid chosen; 2: PARTIAL printed; 3: DECIDED printed
        AtomicInteger stage = new AtomicInteger();
        AtomicReference<String> partialGid = new AtomicReference<>();
        Map<String, Long> pairOf = new ConcurrentHashMap<>();
        Map<String, AtomicInteger> sent = new ConcurrentHashMap<>();
        ThreadLocal<Long> current = new ThreadLocal<>();
        ds.unwrap(TwoPhaseCommit.class).listener(new TwoPhaseCommit.Listener() {
            @Override
            public void committing(String gid) {
                pairOf.put(gid, current.get()); // the calling thread: the shard calls run elsewhere
                // chosen before any shard is sent anything, so exactly one of its shards prepares
                if (committed.get() >= 40 && stage.get() == 0 && partialGid.compareAndSet(null, gid)) {
                    stage.set(1);
                }
            }

            @Override
            public void beforePrepare(String gid, int shard) {
                if (gid.equals(partialGid.get())
                        && sent.computeIfAbsent(gid, g -> new AtomicInteger()).incrementAndGet() > 1) {
                    park(); // the second shard of the partial transaction never prepares
                }
            }

            @Override
            public void prepared(String gid, int shard) {
                if (gid.equals(partialGid.get()) && stage.compareAndSet(1, 2)) {
                    print("PARTIAL " + pairOf.get(gid));
                    park();
                }
            }

            @Override
            public void decided(String gid) {
                if (stage.compareAndSet(2, 3)) {
                    print("DECIDED " + pairOf.get(gid));
                    print("READY");
                    park();
                }
            }
        });
        AtomicInteger nextPair = new AtomicInteger();
        for (int t = 0; t < threads; t++) {
            Thread worker = new Thread(() -> {
                try {
                    while (true) {
                        long pair = nextPair.getAndIncrement();
                        current.set(pair);
                        long a = pair * 2;
                        long b = pair * 2 + 1;
                        // the two rows of a pair on two different shards: move b until it is
                        while (ds.shardMap().shardIndexOf(b, KeyType.LONG)
                                == ds.shardMap().shardIndexOf(a, KeyType.LONG)) {
                            b += 1_000_000_000L;
                        }
                        // One statement takes both shards at once (all or none, in shard order).
                        try (Connection c = ds.getConnection();
                                PreparedStatement ps = c.prepareStatement(
                                        "insert into " + table + " (id, pair) values (?, ?), (?, ?)")) {
                            c.setAutoCommit(false);
                            ps.setLong(1, a);
                            ps.setLong(2, pair);
                            ps.setLong(3, b);
                            ps.setLong(4, pair);
                            ps.executeUpdate();
                            c.commit();
                        }
                        committed.incrementAndGet();
                        System.out.println("COMMITTED " + pair);
                    }
                } catch (Exception e) {
                    System.out.println("FAILED " + e);
                }
            });
            worker.setDaemon(true);
            worker.start();
        }
        Thread.sleep(Long.MAX_VALUE);
    }

    private static void print(String line) {
        System.out.println(line);
        System.out.flush();
    }

    /** Parks the calling thread until the SIGKILL. */
    private static void park() {
        while (true) {
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                // wait for SIGKILL
            }
        }
    }
}
