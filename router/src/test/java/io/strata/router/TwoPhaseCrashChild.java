package io.strata.router;

import io.strata.router.internal.txn.TwoPhaseCommit;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;

/**
 * Run in a child JVM by {@link TransactionsTest}: opens the router from a YAML file, writes keys on
 * two shards in one transaction and commits; the coordinator stops (forever) right after PREPARE
 * or right after the logged decision, printing a line so the parent can SIGKILL it there.
 *
 * <p>Arguments: yaml-path, "prepared" | "decided", table, key-a, key-b.
 */
public final class TwoPhaseCrashChild {

    private TwoPhaseCrashChild() {}

    public static void main(String[] args) throws Exception {
        String url = "jdbc:strata:" + args[0];
        String stopAt = args[1];
        Connection c = DriverManager.getConnection(url);
        Driver driver = (Driver) DriverManager.getDriver(url);
        driver.dataSource(url).unwrap(TwoPhaseCommit.class).listener(new TwoPhaseCommit.Listener() {
            @Override
            public void prepared(String gid) {
                if (stopAt.equals("prepared")) {
                    stop("PREPARED " + gid);
                }
            }

            @Override
            public void decided(String gid) {
                if (stopAt.equals("decided")) {
                    stop("DECIDED " + gid);
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
        while (true) {
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                // wait for SIGKILL
            }
        }
    }
}
