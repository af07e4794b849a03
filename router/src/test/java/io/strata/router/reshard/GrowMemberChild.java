package io.strata.router.reshard;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.strata.router.KeyType;
import io.strata.router.ShardingDataSource;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One application member for {@link GrowTest}, in its own JVM: a {@link ShardingDataSource} from
 * the YAML (resharding enabled) and three workers until a {@code STOP} line arrives on stdin:
 * keyed writes (inserts and updates of its own rows), multi-shard transactions (two rows on two
 * shards), and keyed reads. Every acknowledged write is printed ({@code I id value},
 * {@code U id value}, {@code T a b}); a write that failed is printed {@code F id} (it may or may
 * not have been applied). At the end: {@code EPOCH n}, {@code PAUSE maxMillis p99Millis} (write
 * latencies, which contain the cutover pauses), {@code ERRORS n}, {@code DONE}.
 *
 * <p>Arguments: yaml path, member number.
 */
public final class GrowMemberChild {

    private GrowMemberChild() {}

    private static synchronized void println(String line) {
        System.out.println(line);
        System.out.flush();
    }

    public static void main(String[] args) throws Exception {
        long member = Long.parseLong(args[1]);
        ShardingDataSource ds = ShardingDataSource.fromYaml(Path.of(args[0]), new SimpleMeterRegistry());
        AtomicBoolean stop = new AtomicBoolean();
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        List<Long> own = Collections.synchronizedList(new ArrayList<>());
        List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
        Thread keyed = new Thread(() -> {
            long n = 0;
            while (!stop.get()) {
                long id = member * 1_000_000_000L + n++;
                boolean update = n % 3 == 0 && !own.isEmpty();
                long target = update ? own.get(ThreadLocalRandom.current().nextInt(own.size())) : id;
                long value = n;
                long t0 = System.nanoTime();
                try (Connection c = ds.getConnection();
                        PreparedStatement ps = c.prepareStatement(
                                update
                                        ? "UPDATE g_accounts SET balance = ? WHERE id = ?"
                                        : "INSERT INTO g_accounts (balance, id, member) VALUES (?, ?, " + member
                                                + ")")) {
                    ps.setLong(1, value);
                    ps.setLong(2, target);
                    ps.executeUpdate();
                    latencies.add(System.nanoTime() - t0);
                    println((update ? "U " : "I ") + target + " " + value);
                    if (!update) {
                        own.add(id);
                    }
                } catch (SQLException e) {
                    println("F " + target);
                    errors.add(e);
                    if (!update) {
                        continue;
                    }
                }
            }
        });
        Thread multi = new Thread(() -> {
            long n = 0;
            while (!stop.get()) {
                long a = member * 1_000_000_000L + 500_000_000L + 2 * n;
                long b = a + 1;
                n++;
                try {
                    while (ds.shardMap().shardIndexOf(b, KeyType.LONG)
                            == ds.shardMap().shardIndexOf(a, KeyType.LONG)) {
                        b += 2 * 1_000_000L;
                    }
                } catch (SQLException e) {
                    errors.add(e);
                    continue;
                }
                long t0 = System.nanoTime();
                for (int attempt = 0; ; attempt++) {
                    try (Connection c = ds.getConnection()) {
                        c.setAutoCommit(false);
                        try (PreparedStatement ps = c.prepareStatement(
                                "INSERT INTO g_accounts (balance, id, member) VALUES (?, ?, " + member + ")")) {
                            ps.setLong(1, -1);
                            ps.setLong(2, a);
                            ps.executeUpdate();
                            ps.setLong(2, b);
                            ps.executeUpdate();
                            c.commit();
                            latencies.add(System.nanoTime() - t0);
                            println("T " + a + " " + b);
                            break;
                        } catch (SQLException e) {
                            c.rollback();
                            // SR020 inside a transaction: the application retries the transaction.
                            if (!"SR020".equals(e.getSQLState()) || attempt > 50) {
                                throw e;
                            }
                        }
                    } catch (SQLException e) {
                        println("F " + a);
                        println("F " + b);
                        errors.add(e);
                        break;
                    }
                }
            }
        });
        Thread reads = new Thread(() -> {
            while (!stop.get()) {
                if (own.isEmpty()) {
                    Thread.onSpinWait();
                    continue;
                }
                long id = own.get(ThreadLocalRandom.current().nextInt(own.size()));
                try (Connection c = ds.getConnection();
                        PreparedStatement ps = c.prepareStatement("SELECT balance FROM g_accounts WHERE id = ?")) {
                    ps.setLong(1, id);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                    }
                } catch (SQLException e) {
                    errors.add(e);
                }
            }
        });
        keyed.start();
        multi.start();
        reads.start();
        println("READY");
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null && !line.equals("STOP")) {
            // wait
        }
        stop.set(true);
        keyed.join();
        multi.join();
        reads.join();
        ds.refreshShardMap();
        List<Long> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        long max = sorted.isEmpty() ? 0 : sorted.get(sorted.size() - 1) / 1_000_000;
        long p99 =
                sorted.isEmpty() ? 0 : sorted.get((int) Math.min(sorted.size() - 1, sorted.size() * 0.99)) / 1_000_000;
        println("EPOCH " + ds.mapEpoch());
        println("PAUSE " + max + " " + p99);
        for (Throwable t : errors) {
            println("ERROR " + t);
        }
        println("ERRORS " + errors.size());
        ds.close();
        println("DONE");
    }
}
