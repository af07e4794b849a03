package io.strata.orm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.strata.router.Driver;
import io.strata.router.KeyType;
import io.strata.router.ShardMap;
import io.strata.testkit.PgServer;
import io.strata.testkit.PgShard;
import io.strata.testkit.PgTopology;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A {@code jdbc:strata:} URL over the module's topology, configured by a YAML file written for one
 * test class, and the checks that compare what a framework did with what the shards' primaries
 * hold, queried directly with plain pgjdbc.
 */
public final class StrataCluster implements AutoCloseable {

    private final PgTopology topology;
    private final String url;
    private final ShardMap shardMap;
    private final List<HikariDataSource> pools = new ArrayList<>();
    private final List<String> dropOnClose;

    private StrataCluster(PgTopology topology, String url, List<String> dropOnClose) throws SQLException {
        this.topology = topology;
        this.url = url;
        this.dropOnClose = dropOnClose;
        this.shardMap = ((Driver) DriverManager.getDriver(url)).dataSource(url).shardMap();
    }

    /**
     * Writes a YAML configuration over every shard of {@code topology} (primary + replicas) with the
     * given {@code tables:} body and extra top-level lines; {@code dropOnClose} is run on every
     * primary directly when the cluster closes (e.g. {@code drop table if exists a, b cascade}).
     */
    public static StrataCluster start(PgTopology topology, String tables, String extra, String... dropOnClose)
            throws IOException, SQLException {
        StringBuilder sb = new StringBuilder("shards:\n");
        for (PgShard s : topology.shards()) {
            sb.append("  - name: ").append(s.name()).append('\n');
            sb.append("    primary: ").append(s.primary().jdbcUrl()).append('\n');
            sb.append("    username: ").append(s.primary().user()).append('\n');
            sb.append("    pool: { maximumPoolSize: 6, minimumIdle: 0 }\n");
            sb.append("    replicas:\n");
            for (PgServer r : s.replicas()) {
                sb.append("      - ").append(r.jdbcUrl()).append('\n');
            }
        }
        Path dir = Files.createTempDirectory("strata-orm");
        sb.append("tables:\n").append(tables);
        sb.append("transactions: { policy: two-phase, coordinatorId: orm-")
                .append(ProcessHandle.current().pid())
                .append('-')
                .append(dir.getFileName())
                .append(", log: ")
                .append(dir.resolve("coordinator.log"))
                .append(" }\n");
        sb.append(extra);
        Path file = dir.resolve("strata.yaml");
        Files.writeString(file, sb.toString());
        return new StrataCluster(topology, "jdbc:strata:" + file, List.of(dropOnClose));
    }

    /** The {@code jdbc:strata:} URL. */
    public String url() {
        return url;
    }

    /** The router's slot map, to say on which shard a key must live. */
    public ShardMap shardMap() {
        return shardMap;
    }

    /** The topology underneath. */
    public PgTopology topology() {
        return topology;
    }

    /** A HikariCP pool over the {@code jdbc:strata:} URL, as an application would configure it. */
    public HikariDataSource pool(String name) {
        HikariConfig c = new HikariConfig();
        c.setPoolName(name);
        c.setJdbcUrl(url);
        c.setMaximumPoolSize(4);
        c.setMinimumIdle(0);
        HikariDataSource ds = new HikariDataSource(c);
        pools.add(ds);
        return ds;
    }

    /** A fresh connection straight from the router's driver. */
    public Connection connect() throws SQLException {
        return DriverManager.getConnection(url);
    }

    /** Runs statements through the router (auto-commit), e.g. DDL that goes to every shard. */
    public void execute(String... sql) throws SQLException {
        try (Connection c = connect();
                Statement st = c.createStatement()) {
            for (String s : sql) {
                st.execute(s);
            }
        }
    }

    /** Runs SQL on every primary directly. */
    public void onEveryPrimary(String sql) throws SQLException {
        for (PgShard s : topology.shards()) {
            try (Connection c = s.primary().connect();
                    Statement st = c.createStatement()) {
                st.execute(sql);
            }
        }
    }

    /**
     * The rows {@code sql} returns on each primary, queried directly, each value as PostgreSQL's
     * text form ({@code null} for SQL NULL), keyed by shard name.
     */
    public Map<String, List<List<String>>> rowsByShard(String sql, Object... params) throws SQLException {
        Map<String, List<List<String>>> out = new LinkedHashMap<>();
        for (PgShard s : topology.shards()) {
            List<List<String>> rows = new ArrayList<>();
            try (Connection c = s.primary().connect();
                    PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i = 0; i < params.length; i++) {
                    ps.setObject(i + 1, params[i]);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    int n = rs.getMetaData().getColumnCount();
                    while (rs.next()) {
                        List<String> row = new ArrayList<>(n);
                        for (int i = 1; i <= n; i++) {
                            row.add(rs.getString(i));
                        }
                        rows.add(row);
                    }
                }
            }
            out.put(s.name(), rows);
        }
        return out;
    }

    /**
     * Every primary's rows of {@code sql} together, ordered by the first column as a number (an id):
     * what one database holding all rows would return for {@code ... order by id}.
     */
    public List<List<String>> primaryRows(String sql, Object... params) throws SQLException {
        List<List<String>> all = new ArrayList<>();
        rowsByShard(sql, params).values().forEach(all::addAll);
        all.sort(Comparator.comparing((List<String> r) -> Long.parseLong(r.get(0))));
        return all;
    }

    /**
     * Asserts that every row of {@code table} sits on the shard its {@code keyColumn} (a bigint)
     * hashes to, and that {@code uniqueColumn} (the id) is unique across all shards.
     */
    public void assertPlacement(String table, String keyColumn, String uniqueColumn) throws SQLException {
        Set<String> seen = new HashSet<>();
        Map<String, List<List<String>>> byShard =
                rowsByShard("select " + keyColumn + ", " + uniqueColumn + " from " + table);
        for (Map.Entry<String, List<List<String>>> e : byShard.entrySet()) {
            for (List<String> row : e.getValue()) {
                assertThat(shardMap.shardOf(Long.parseLong(row.get(0)), KeyType.LONG))
                        .as(
                                "%s row %s=%s, %s=%s found on %s",
                                table, keyColumn, row.get(0), uniqueColumn, row.get(1), e.getKey())
                        .isEqualTo(e.getKey());
                assertThat(seen.add(row.get(1)))
                        .as("%s.%s = %s is on more than one shard or twice", table, uniqueColumn, row.get(1))
                        .isTrue();
            }
        }
    }

    /** A row as the text forms of its values, for comparison with {@link #rowsByShard}. */
    public static List<String> row(Object... values) {
        List<String> row = new ArrayList<>(values.length);
        for (Object v : values) {
            row.add(v == null ? null : String.valueOf(v));
        }
        return row;
    }

    /** The same rows in the given order, as a list (for readable assertion messages). */
    public static List<List<String>> rows(List<String>... rows) {
        return Arrays.asList(rows);
    }

    /** The shard (name) that owns a bigint key. */
    public String shardOf(long key) throws SQLException {
        return shardMap.shardOf(key, KeyType.LONG);
    }

    /** Waits until every replica has replayed what its primary has written, before reads in auto-commit. */
    public void awaitReplicas() {
        for (PgShard shard : topology.shards()) {
            long target = shard.primary().queryLong("select (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint");
            for (PgServer r : shard.replicas()) {
                await().atMost(Duration.ofSeconds(60))
                        .until(() ->
                                r.queryLong("select (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint") >= target);
            }
        }
    }

    /** Closes the pools, shuts the URL's shards down and drops the class's tables on every primary. */
    @Override
    public void close() throws SQLException {
        for (HikariDataSource p : pools) {
            p.close();
        }
        Driver.shutdown(url);
        for (String sql : dropOnClose) {
            onEveryPrimary(sql);
        }
    }
}
