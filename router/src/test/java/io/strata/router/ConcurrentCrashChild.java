package io.strata.router;

import io.strata.router.internal.txn.TwoPhaseCommit;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Run in a child JVM by {@link ConcurrentTwoPhaseTest}: {@code threads} threads each commit
 * transactions that insert one row on each of two shards (rows {@code pair*2} and
 * {@code pair*2+1} sharing the {@code pair} column), printing {@code COMMITTED <pair>} after each
 * commit returns. Once enough have committed, one thread stops for good right after its decision is
 * logged ({@code DECIDED <pair>}) and another right after PREPARE ({@code PREPARED <pair>}); then
 * {@code READY} is printed and the parent SIGKILLs the JVM while the other threads keep committing.
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
        AtomicInteger stopped = new AtomicInteger();
        ThreadLocal<Long> current = new ThreadLocal<>();
        ds.unwrap(TwoPhaseCommit.class).listener(new TwoPhaseCommit.Listener() {
            @Override
            public void prepared(String gid) {
                if (committed.get() >= 40 && stopped.compareAndSet(0, 1)) {
                    stop("PREPARED " + current.get(), false);
                }
            }

            @Override
            public void decided(String gid) {
                if (committed.get() >= 40 && stopped.compareAndSet(1, 2)) {
                    stop("DECIDED " + current.get(), true);
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

    /**
     * Prints {@code line} and parks the calling thread until the SIGKILL. Only the thread that
     * stopped last prints {@code READY}, after its own line: the prepared-stopped thread checking
     * the counter itself could see it already at 2 and print {@code READY} before the other
     * thread's {@code DECIDED} line, and the parent would kill the JVM without knowing the pair.
     */
    private static void stop(String line, boolean last) {
        System.out.println(line);
        if (last) {
            System.out.println("READY");
        }
        System.out.flush();
        while (true) {
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                // wait for SIGKILL
            }
        }
    }
}
