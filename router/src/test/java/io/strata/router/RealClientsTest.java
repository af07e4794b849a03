package io.strata.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.strata.testkit.PgShard;
import io.strata.testkit.PgTopology;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.SimpleDriverDataSource;
import org.springframework.jdbc.support.GeneratedKeyHolder;

/** Real clients, unchanged, on a jdbc:strata: URL: Flyway, Spring JdbcTemplate, a 100,000-row JDBC batch. */
@ExtendWith(FourShards.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RealClientsTest {

    private PgTopology topology;
    private String url;
    private Path yaml;
    private ShardMap shardMap;

    @BeforeAll
    void setUp(PgTopology topology) throws Exception {
        this.topology = topology;
        yaml = FourShards.yaml(
                topology,
                """
                  c_users: { sharded: id, type: bigint }
                  c_items: { sharded: user_id, type: bigint }
                  c_events: { sharded: id, type: bigint }
                  c_plans: broadcast
                  flyway_schema_history: broadcast
                """,
                // JdbcTemplate takes a new connection per call and a consistency token lives on a
                // connection, so with the default (eventual) a lagging replica may rightly answer a
                // read with the row as it was before the previous call's update: this test reads its
                // own writes across calls, which needs the primaries.
                "consistency: strong\n");
        url = "jdbc:strata:" + yaml;
        shardMap = ((Driver) DriverManager.getDriver(url)).dataSource(url).shardMap();
    }

    @AfterAll
    void tearDown() throws SQLException {
        Driver.shutdown(url);
        FourShards.onEveryPrimary(
                topology, "drop table if exists c_users, c_items, c_events, c_plans," + " flyway_schema_history");
    }

    private SimpleDriverDataSource dataSource() throws SQLException {
        return new SimpleDriverDataSource((java.sql.Driver) DriverManager.getDriver(url), url);
    }

    @Test
    @Order(1)
    void flywayMigratesEveryShard() throws SQLException {
        MigrateResult result = Flyway.configure()
                .dataSource(dataSource())
                .locations("classpath:db/strata-migration")
                .load()
                .migrate();
        assertThat(result.success).isTrue();
        assertThat(result.migrationsExecuted).isEqualTo(2);
        for (PgShard s : topology.shards()) {
            assertThat(s.primary()
                            .queryLong("select count(*) from information_schema.columns where table_name ="
                                    + " 'c_users' and column_name = 'created'"))
                    .as(s.name())
                    .isEqualTo(1);
            assertThat(s.primary().queryLong("select count(*) from c_plans"))
                    .as(s.name())
                    .isEqualTo(2);
            assertThat(s.primary().queryLong("select count(*) from flyway_schema_history where success"))
                    .as(s.name())
                    .isEqualTo(2);
        }
        // A second run finds nothing to do.
        assertThat(Flyway.configure()
                        .dataSource(dataSource())
                        .locations("classpath:db/strata-migration")
                        .load()
                        .migrate()
                        .migrationsExecuted)
                .isZero();
    }

    @Test
    @Order(2)
    void springJdbcTemplateDoesCrud() throws SQLException {
        JdbcTemplate jdbc = new JdbcTemplate(dataSource());
        for (long id = 1; id <= 20; id++) {
            assertThat(jdbc.update(
                            "insert into c_users (id, name, email) values (?, ?, ?)",
                            id,
                            "user" + id,
                            id % 3 == 0 ? null : "u" + id + "@example.com"))
                    .isEqualTo(1);
        }
        GeneratedKeyHolder keys = new GeneratedKeyHolder();
        jdbc.update(
                c -> {
                    PreparedStatement ps = c.prepareStatement(
                            "insert into c_items (user_id, title) values (?, ?)", new String[] {"id"});
                    ps.setLong(1, 7);
                    ps.setString(2, "lamp");
                    return ps;
                },
                keys);
        assertThat(keys.getKey()).isNotNull();
        assertThat(jdbc.queryForObject("select name from c_users where id = ?", String.class, 7))
                .isEqualTo("user7");
        assertThat(jdbc.update("update c_users set name = ? where id = ?", "seven", 7))
                .isEqualTo(1);
        assertThat(jdbc.update("delete from c_users where id in (?, ?, ?)", 1, 2, 3))
                .isEqualTo(3);
        Map<String, Object> row = jdbc.queryForMap(
                "select u.name, i.title from c_users u join c_items i" + " on i.user_id = u.id where u.id = ?", 7);
        assertThat(row).containsEntry("name", "seven").containsEntry("title", "lamp");
        List<Long> ids = jdbc.queryForList("select id from c_users order by id desc limit 5", Long.class);
        assertThat(ids).containsExactly(20L, 19L, 18L, 17L, 16L);
        assertThat(jdbc.queryForObject("select count(*) from c_users where email is null", Long.class))
                .isEqualTo(5);
        assertThat(jdbc.queryForObject("select price from c_plans where code = 'pro'", java.math.BigDecimal.class))
                .isEqualByComparingTo("9.90");
        assertThat(jdbc.queryForObject("select count(*) from c_users", Long.class))
                .isEqualTo(17);
    }

    @Test
    @Order(3)
    void aBatchOf100kRowsLandsEachRowOnTheShardItsKeyHashesTo() throws SQLException {
        FourShards.onEveryPrimary(
                topology, "create table if not exists c_events (id bigint primary key, payload text)");
        int n = 100_000;
        try (Connection c = DriverManager.getConnection(url);
                PreparedStatement ps = c.prepareStatement("insert into c_events (id, payload) values (?, ?)")) {
            for (int i = 1; i <= n; i++) {
                if (i % 2 == 0) {
                    ps.setLong(1, i);
                } else {
                    ps.setInt(1, i);
                }
                ps.setString(2, "event-" + i);
                ps.addBatch();
            }
            int[] counts = ps.executeBatch();
            assertThat(counts).hasSize(n).containsOnly(1);
        }
        long total = 0;
        for (PgShard s : topology.shards()) {
            long misplaced = 0;
            long here = 0;
            try (Connection direct = s.primary().connect();
                    Statement st = direct.createStatement()) {
                st.setFetchSize(5000);
                direct.setAutoCommit(false);
                try (ResultSet rs = st.executeQuery("select id from c_events")) {
                    while (rs.next()) {
                        here++;
                        if (shardMap.shardIndexOf(rs.getLong(1), KeyType.LONG) != s.index()) {
                            misplaced++;
                        }
                    }
                }
                direct.commit();
            }
            assertThat(misplaced).as("rows on %s that hash elsewhere", s.name()).isZero();
            assertThat(here).as("rows on %s", s.name()).isBetween(20_000L, 30_000L);
            total += here;
        }
        assertThat(total).isEqualTo(n);
    }

    @Test
    @Order(10)
    void aYamlDataSourceReportsRouterAndShardMetersToTheGivenRegistry() throws SQLException {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (ShardingDataSource ds = ShardingDataSource.fromYaml(yaml, registry);
                Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            s.executeQuery("select count(*) from c_plans").close();
        }
        assertThat(registry.find("strata.router.statements").counters())
                .anySatisfy(counter -> assertThat(counter.count()).isPositive());
        assertThat(registry.find("strata.replication.statements").counters())
                .anySatisfy(counter -> assertThat(counter.count()).isPositive());
        assertThat(registry.find("strata.replication.lag.bytes").gauges()).hasSize(4);
    }
}
