package io.strata.router.reshard;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.strata.router.KeyType;
import io.strata.router.ShardMap;
import io.strata.router.internal.reshard.MetaStore;
import io.strata.router.internal.reshard.Mover;
import io.strata.router.internal.reshard.MoverSettings;
import io.strata.router.internal.reshard.MoverTables;
import io.strata.router.internal.reshard.ShardEndpoint;
import io.strata.testkit.PgShard;
import io.strata.testkit.PgTopology;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;

/**
 * A topology prepared for moves without members: tables {@code <prefix>accounts} (sharded by
 * {@code id}) and {@code <prefix>countries} (broadcast) on every shard, a map of epoch 1 over the
 * first {@code owners} shards, a writer that routes by the map it reads from the metadata shard,
 * and the full diff.
 */
final class ReshardFixture {

    final PgTopology topology;
    final String accounts;
    final String countries;
    final int owners;
    /** id -> last acknowledged balance. */
    final Map<Long, Long> acknowledged = new ConcurrentHashMap<>();

    final Map<String, String> acknowledgedCountries = new ConcurrentHashMap<>();
    final AtomicLong writes = new AtomicLong();
    final AtomicReference<Throwable> writerError = new AtomicReference<>();

    ReshardFixture(PgTopology topology, String prefix, int owners) throws SQLException {
        this.topology = topology;
        this.accounts = prefix + "accounts";
        this.countries = prefix + "countries";
        this.owners = owners;
        for (PgShard s : topology.shards()) {
            s.primary()
                    .execute("CREATE TABLE " + accounts
                            + " (id bigint PRIMARY KEY, balance bigint NOT NULL, note text)");
            s.primary().execute("CREATE TABLE " + countries + " (code text PRIMARY KEY, name text NOT NULL)");
        }
        org.postgresql.ds.PGSimpleDataSource meta = new org.postgresql.ds.PGSimpleDataSource();
        meta.setURL(topology.shard(0).primary().jdbcUrl());
        meta.setUser(topology.shard(0).primary().user());
        MetaStore store = new MetaStore(meta);
        store.installMetadataSchema();
        // Tests sharing a topology each start from epoch 1 (the map is test data here).
        topology.shard(0).primary().execute("DELETE FROM strata_meta.shard_map");
        List<String> names = new ArrayList<>();
        for (int i = 0; i < owners; i++) {
            names.add("shard" + i);
        }
        if (!store.compareAndSet(0, MetaStore.MapEpoch.of(1, ShardMap.uniform(names, MoverCopyTest.SLOTS)))) {
            throw new IllegalStateException("the map exists already");
        }
    }

    Map<String, ShardEndpoint> endpoints() {
        Map<String, ShardEndpoint> out = new LinkedHashMap<>();
        for (PgShard s : topology.shards()) {
            out.put(
                    s.name(),
                    new ShardEndpoint(
                            s.name(), s.primary().jdbcUrl(), s.primary().user(), null));
        }
        return out;
    }

    MoverTables tables() {
        return new MoverTables(List.of(new MoverTables.Sharded(accounts, "id", KeyType.LONG)), List.of(countries));
    }

    Mover mover(MoverSettings settings, Mover.Listener listener) {
        return new Mover(endpoints(), tables(), settings, new SimpleMeterRegistry(), listener);
    }

    /** The current map as (shard names, owner per slot). */
    record Map0(List<String> shards, int[] owners, boolean moving) {
        int ownerOf(long id) throws SQLException {
            ShardMap m = ShardMap.uniform(List.of("x"), owners.length);
            return owners[m.slotOf(id, KeyType.LONG)];
        }
    }

    Map0 readMap() throws SQLException {
        try (Connection c = topology.shard(0).primary().connect();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(
                        "SELECT owners, shards, moving IS NOT NULL FROM strata_meta.shard_map ORDER BY epoch DESC LIMIT 1")) {
            rs.next();
            Object[] o = (Object[]) rs.getArray(1).getArray();
            int[] owners = new int[o.length];
            for (int i = 0; i < o.length; i++) {
                owners[i] = ((Number) o[i]).intValue();
            }
            List<String> shards = new ArrayList<>();
            for (Object s : (Object[]) rs.getArray(2).getArray()) {
                shards.add((String) s);
            }
            return new Map0(shards, owners, rs.getBoolean(3));
        }
    }

    int shardIndex(String name) {
        return Integer.parseInt(name.substring("shard".length()));
    }

    void load(int rows) throws SQLException {
        Map0 map = readMap();
        for (long id = 1; id <= rows; id++) {
            int owner = map.ownerOf(id);
            try (Connection c = topology.shard(shardIndex(map.shards().get(owner)))
                            .primary()
                            .connect();
                    PreparedStatement ps =
                            c.prepareStatement("INSERT INTO " + accounts + " (id, balance, note) VALUES (?, ?, ?)")) {
                ps.setLong(1, id);
                ps.setLong(2, 0);
                ps.setString(3, "row " + id);
                ps.executeUpdate();
            }
            acknowledged.put(id, 0L);
            if (id % 500 == 0) {
                break; // keep loading below in batches
            }
        }
        // The rest in batches per owner (fast).
        Map<Integer, List<Long>> byOwner = new HashMap<>();
        for (long id = 501; id <= rows; id++) {
            byOwner.computeIfAbsent(map.ownerOf(id), k -> new ArrayList<>()).add(id);
        }
        for (Map.Entry<Integer, List<Long>> e : byOwner.entrySet()) {
            try (Connection c = topology.shard(shardIndex(map.shards().get(e.getKey())))
                            .primary()
                            .connect();
                    PreparedStatement ps = c.prepareStatement("INSERT INTO " + accounts
                            + " (id, balance, note) SELECT g, 0, 'row ' || g FROM unnest(?::bigint[]) g")) {
                ps.setArray(1, c.createArrayOf("bigint", e.getValue().toArray()));
                ps.executeUpdate();
            }
            e.getValue().forEach(id -> acknowledged.put(id, 0L));
        }
        for (PgShard s : topology.shards().subList(0, owners)) {
            s.primary().execute("INSERT INTO " + countries + " VALUES ('fr', 'France'), ('de', 'Germany')");
        }
        acknowledgedCountries.put("fr", "France");
        acknowledgedCountries.put("de", "Germany");
    }

    /**
     * A writer: random updates of existing ids and inserts of new ones, each on the owner the
     * current map names (reloaded on SR020 and while slots are moving); records what was acknowledged.
     */
    Thread writer(AtomicBoolean stop) {
        return new Thread(
                () -> {
                    long nextId = 1_000_000;
                    try {
                        Map0 map = readMap();
                        while (!stop.get()) {
                            boolean insert = ThreadLocalRandom.current().nextInt(4) == 0;
                            long id = insert
                                    ? nextId++
                                    : 1 + ThreadLocalRandom.current().nextInt(acknowledged.size() > 0 ? 3000 : 1);
                            long balance = writes.get() + 1;
                            long firstTry = System.nanoTime();
                            for (int attempt = 0; ; attempt++) {
                                if (map.moving()) {
                                    Thread.sleep(20);
                                    map = readMap();
                                    continue;
                                }
                                int owner = map.ownerOf(id);
                                try (Connection c = topology.shard(
                                                        shardIndex(map.shards().get(owner)))
                                                .primary()
                                                .connect();
                                        PreparedStatement ps = c.prepareStatement(
                                                "INSERT INTO " + accounts
                                                        + " (id, balance, note) VALUES (?, ?, 'w') ON CONFLICT (id) DO UPDATE SET balance = EXCLUDED.balance")) {
                                    ps.setLong(1, id);
                                    ps.setLong(2, balance);
                                    ps.executeUpdate();
                                    acknowledged.put(id, balance);
                                    writes.incrementAndGet();
                                    break;
                                } catch (SQLException e) {
                                    if (!"SR020".equals(e.getSQLState())
                                            || System.nanoTime() - firstTry > 120_000_000_000L) {
                                        throw e;
                                    }
                                    Thread.sleep(20);
                                    map = readMap();
                                }
                            }
                        }
                    } catch (Throwable t) {
                        writerError.set(t);
                    }
                },
                "fixture-writer");
    }

    /** Writes one row on the owner the current map names and records it as acknowledged. */
    void writeOnOwner(long id, long balance) throws SQLException {
        Map0 map = readMap();
        int owner = map.ownerOf(id);
        try (Connection c = topology.shard(shardIndex(map.shards().get(owner)))
                        .primary()
                        .connect();
                PreparedStatement ps = c.prepareStatement("INSERT INTO " + accounts
                        + " (id, balance, note) VALUES (?, ?, 'd') ON CONFLICT (id) DO UPDATE SET balance ="
                        + " EXCLUDED.balance")) {
            ps.setLong(1, id);
            ps.setLong(2, balance);
            ps.executeUpdate();
        }
        acknowledged.put(id, balance);
    }

    /** Ids from {@code from} on whose slot lies in [lo, hi]. */
    static List<Long> idsInSlots(long from, int count, int lo, int hi) throws SQLException {
        ShardMap m = ShardMap.uniform(List.of("x"), MoverCopyTest.SLOTS);
        List<Long> out = new ArrayList<>();
        for (long id = from; out.size() < count; id++) {
            int slot = m.slotOf(id, KeyType.LONG);
            if (slot >= lo && slot <= hi) {
                out.add(id);
            }
        }
        return out;
    }

    /** The status of the moves of one plan. */
    static List<MoveStatus> status(Mover mover, String planId) throws SQLException {
        return mover.status().stream().filter(st -> st.planId().equals(planId)).toList();
    }

    Throwable writerError() {
        return writerError.get();
    }

    void awaitWrites(long more) {
        long target = writes.get() + more;
        Awaitility.await()
                .atMost(java.time.Duration.ofSeconds(120))
                .until(() -> writes.get() >= target || writerError.get() != null);
    }

    /** Every acknowledged row exactly once, on its owner, with its last value; nothing else anywhere. */
    void assertClean() throws SQLException {
        Map0 map = readMap();
        Map<Long, Long> seen = new HashMap<>();
        List<String> problems = new ArrayList<>();
        for (PgShard s : topology.shards()) {
            int index = map.shards().indexOf(s.name());
            try (Connection c = s.primary().connect();
                    Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT id, balance FROM " + accounts)) {
                while (rs.next()) {
                    long id = rs.getLong(1);
                    if (seen.put(id, rs.getLong(2)) != null) {
                        problems.add("duplicated " + id);
                    }
                    if (index < 0 || map.ownerOf(id) != index) {
                        problems.add("row " + id + " on " + s.name() + " which does not own its slot");
                    }
                }
            }
            if (index >= 0) {
                Map<String, String> c2 = new HashMap<>();
                try (Connection c = s.primary().connect();
                        Statement st = c.createStatement();
                        ResultSet rs = st.executeQuery("SELECT code, name FROM " + countries)) {
                    while (rs.next()) {
                        c2.put(rs.getString(1), rs.getString(2));
                    }
                }
                if (!c2.equals(acknowledgedCountries)) {
                    problems.add("broadcast table on " + s.name() + " is " + c2);
                }
            }
        }
        for (Map.Entry<Long, Long> e : acknowledged.entrySet()) {
            Long v = seen.get(e.getKey());
            if (v == null) {
                problems.add("lost " + e.getKey());
            } else if (!v.equals(e.getValue())) {
                problems.add("row " + e.getKey() + " has " + v + " but " + e.getValue() + " was acknowledged");
            }
        }
        for (Long id : seen.keySet()) {
            if (!acknowledged.containsKey(id)) {
                problems.add("unexpected row " + id);
            }
        }
        assertThat(problems).as("diff against acknowledged writes").isEmpty();
    }
}
