package io.strata.sample;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.strata.replication.Consistency;
import io.strata.router.ShardingConnection;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Every write the members acknowledged (as they printed them), checked afterwards against
 * PostgreSQL: each acknowledged order is there, and each customer's stored cart and profile are
 * at least at the last acknowledged revision. Thread-safe.
 */
final class AcknowledgedWrites {

    /** What the check found. */
    record Check(long acknowledged, long missing, List<String> examples) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<Long, Set<Long>> orders = new ConcurrentHashMap<>();
    private final Map<Long, Long> carts = new ConcurrentHashMap<>();
    private final Map<Long, Long> profiles = new ConcurrentHashMap<>();
    private final AtomicLong count = new AtomicLong();

    /** Records one acknowledgement line: {@code order <customer> <id>}, {@code cart|profile <customer> <revision>}. */
    void record(String line) {
        String[] f = line.trim().split(" ");
        if (f.length != 3) {
            throw new IllegalArgumentException("not an acknowledgement: '" + line + "'");
        }
        long customer = Long.parseLong(f[1]);
        long value = Long.parseLong(f[2]);
        switch (f[0]) {
            case "order" ->
                orders.computeIfAbsent(customer, c -> ConcurrentHashMap.newKeySet())
                        .add(value);
            case "cart" -> carts.merge(customer, value, Math::max);
            case "profile" -> profiles.merge(customer, value, Math::max);
            default -> throw new IllegalArgumentException("not an acknowledgement: '" + line + "'");
        }
        count.incrementAndGet();
    }

    long count() {
        return count.get();
    }

    /** Reads every acknowledged customer's rows from the primaries and reports what is missing. */
    Check check(DataSource db) throws SQLException {
        Set<Long> customers = new TreeSet<>(orders.keySet());
        customers.addAll(carts.keySet());
        customers.addAll(profiles.keySet());
        long missing = 0;
        List<String> examples = new ArrayList<>();
        try (Connection c = db.getConnection()) {
            c.unwrap(ShardingConnection.class).setConsistency(Consistency.STRONG);
            for (long customer : customers) {
                Set<Long> expected = orders.getOrDefault(customer, Set.of());
                if (!expected.isEmpty()) {
                    Set<Long> stored = new HashSet<>();
                    try (PreparedStatement ps = c.prepareStatement("SELECT id FROM orders WHERE customer_id = ?")) {
                        ps.setLong(1, customer);
                        try (ResultSet rs = ps.executeQuery()) {
                            while (rs.next()) {
                                stored.add(rs.getLong(1));
                            }
                        }
                    }
                    for (long id : expected) {
                        if (!stored.contains(id)) {
                            missing++;
                            example(examples, "order " + id + " of customer " + customer);
                        }
                    }
                }
                missing += revision(c, "carts", customer, carts.get(customer), examples);
                missing += revision(c, "profiles", customer, profiles.get(customer), examples);
            }
        }
        return new Check(count.get(), missing, examples);
    }

    private static int revision(
            Connection c, String table, long customer, @Nullable Long acknowledged, List<String> examples)
            throws SQLException {
        if (acknowledged == null) {
            return 0;
        }
        long stored = 0;
        try (PreparedStatement ps = c.prepareStatement("SELECT value FROM " + table + " WHERE customer_id = ?")) {
            ps.setLong(1, customer);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    stored = JSON.readTree(rs.getString(1)).path("revision").asLong();
                }
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new SQLException("unreadable " + table + " row of customer " + customer, e);
        }
        if (stored < acknowledged) {
            example(
                    examples,
                    table + " of customer " + customer + ": revision " + stored + " stored, " + acknowledged
                            + " acknowledged");
            return 1;
        }
        return 0;
    }

    private static void example(List<String> examples, String text) {
        if (examples.size() < 5) {
            examples.add(text);
        }
    }
}
