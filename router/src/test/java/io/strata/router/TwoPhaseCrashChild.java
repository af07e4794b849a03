package io.strata.router;

import io.strata.router.internal.txn.TwoPhaseCommit;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Run in a child JVM by {@link TransactionsTest}: opens the router from a YAML file, writes keys on
 * two shards in one transaction and commits; the coordinator stops (forever) at a chosen step,
 * printing a line so the parent can SIGKILL it there:
 *
 * <ul>
 *   <li>{@code partial}: after ONE shard prepared; the other's marker insert and PREPARE are never
 *       sent ({@code PARTIAL <gid>});
 *   <li>{@code decided}: after BOTH prepared (the commit point), before any COMMIT PREPARED
 *       ({@code DECIDED <gid>});
 *   <li>{@code committed-one}: after ONE shard ran COMMIT PREPARED; the other's is never sent
 *       ({@code COMMITTED-ONE <gid>}).
 * </ul>
 *
 * <p>Arguments: yaml-path, "partial" | "decided" | "committed-one", table, key-a, key-b.
 */
public final class TwoPhaseCrashChild {

    private TwoPhaseCrashChild() {}

    public static void main(String[] args) throws Exception {
        String url = "jdbc:strata:" + args[0];
        String stopAt = args[1];
        Connection c = DriverManager.getConnection(url);
        Driver driver = (Driver) DriverManager.getDriver(url);
        AtomicInteger prepares = new AtomicInteger();
        AtomicInteger commits = new AtomicInteger();
        driver.dataSource(url).unwrap(TwoPhaseCommit.class).listener(new TwoPhaseCommit.Listener() {
            @Override
            public void beforePrepare(String gid, int shard) {
                if (stopAt.equals("partial") && prepares.incrementAndGet() > 1) {
                    park();
                }
            }

            @Override
            public void prepared(String gid, int shard) {
                if (stopAt.equals("partial")) {
                    stop("PARTIAL " + gid);
                }
            }

            @Override
            public void decided(String gid) {
                if (stopAt.equals("decided")) {
                    stop("DECIDED " + gid);
                }
            }

            @Override
            public void beforeCommit(String gid, int shard) {
                if (stopAt.equals("committed-one") && commits.incrementAndGet() > 1) {
                    park();
                }
            }

            @Override
            public void committed(String gid, int shard) {
                if (stopAt.equals("committed-one")) {
                    stop("COMMITTED-ONE " + gid);
                }
            }
        });
        c.setAutoCommit(false);
        try (PreparedStatement ps = c.prepareStatement("insert into " + args[2] + " (id, note) values (?, ?)")) {
            for (int i = 3; i <= 4; i++) {
                ps.setLong(1, Long.parseLong(args[i]));
                ps.setString(2, "crash");
                ps.executeUpdate();
            }
        }
        c.commit();
        System.out.println("COMMITTED");
        System.exit(0);
    }

    private static void stop(String line) {
        System.out.println(line);
        System.out.flush();
        park();
    }

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
