package io.strata.sample.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.strata.boot.StrataDataSource;
import io.strata.router.ShardingDataSource;
import io.strata.testkit.PgServer;
import io.strata.testkit.PgShard;
import io.strata.testkit.PgTopology;
import io.strata.testkit.RedisNode;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The sample service on a real 2 x (1+1) topology and a real Redis, configured with
 * {@code spring.datasource.url=jdbc:strata:<yaml>} only (instance A, this test's context) and with
 * {@code strata.*} properties (instance B, started by a test). Faults come last.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ShopServiceTest {

    private static final String TOKEN = "Strata-Consistency-Token";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static @Nullable PgTopology topology;
    private static @Nullable RedisNode redis;
    private static @Nullable Path dir;
    private static @Nullable ConfigurableApplicationContext second;

    @Autowired
    DataSource dataSource;

    @Autowired
    ConfigurableApplicationContext context;

    @Autowired
    MeterRegistry registry;

    @Autowired
    CustomerService service;

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void topology(DynamicPropertyRegistry properties) throws Exception {
        PgTopology t = PgTopology.builder().shards(2).replicasPerShard(1).start();
        topology = t;
        redis = RedisNode.start();
        for (PgShard shard : t.shards()) {
            shard.primary().execute("CREATE TABLE customers (id bigint PRIMARY KEY, name text NOT NULL)");
        }
        dir = Files.createTempDirectory("sample-boot");
        Path yaml = dir.resolve("strata.yaml");
        Files.writeString(yaml, yaml(t, "shop-a"));
        properties.add("spring.datasource.url", () -> "jdbc:strata:" + yaml);
        properties.add("strata.cache.redis-uri", () -> redis().uri());
    }

    // The router YAML for the topology; maxLag is long so that a replica with replay paused stays
    // eligible for reads that carry no token (the control of the read-your-writes test).
    private static String yaml(PgTopology t, String coordinator) {
        StringBuilder y = new StringBuilder("shards:\n");
        for (PgShard s : t.shards()) {
            y.append("  - name: ").append(s.name()).append('\n');
            y.append("    primary: ").append(s.primary().jdbcUrl()).append('\n');
            y.append("    replicas: [").append(s.replica(0).jdbcUrl()).append("]\n");
            y.append("    username: ").append(s.primary().user()).append('\n');
            y.append("    maxLag: 60m\n");
        }
        y.append("tables:\n  customers: { sharded: id, type: bigint }\n");
        y.append("consistency: read_your_writes\n");
        y.append("transactions: { coordinatorId: ")
                .append(coordinator)
                .append(", log: ")
                .append(dir().resolve(coordinator + ".log"))
                .append(" }\n");
        return y.toString();
    }

    @AfterAll
    static void stop() {
        if (second != null) {
            second.close();
        }
        if (redis != null) {
            redis.close();
        }
        if (topology != null) {
            topology.close();
        }
    }

    @Test
    @Order(1)
    void datasourceUrlAloneMakesStrataTheDataSourceWithoutASecondPool() throws Exception {
        assertThat(dataSource).isInstanceOf(StrataDataSource.class);
        assertThat(dataSource.unwrap(ShardingDataSource.class).shards()).containsExactly("shard0", "shard1");
        assertThat(context.getBeansOfType(HikariDataSource.class)).isEmpty();
        assertThat(context.getBeansOfType(DataSource.class)).hasSize(1);

        for (long id = 1; id <= 20; id++) {
            assertThat(put(port, id, "c" + id, null).statusCode()).isEqualTo(200);
        }
        // The rows are spread over both shards, each on the shard that owns its id.
        long on0 = topology().shard(0).primary().queryLong("SELECT count(*) FROM customers");
        long on1 = topology().shard(1).primary().queryLong("SELECT count(*) FROM customers");
        assertThat(on0 + on1).isEqualTo(20);
        assertThat(on0).isPositive();
        assertThat(on1).isPositive();
        HttpResponse<String> r = get(port, "/customers/7", null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).get("name").asText()).isEqualTo("c7");
    }

    @Test
    @Order(2)
    void routerReplicationPoolAndCacheMetersReachTheApplicationRegistry() throws Exception {
        get(port, "/customers/3/cached", null);
        assertThat(registry.find("strata.router.statements").meters()).isNotEmpty();
        assertThat(registry.find("strata.replication.statements").meters()).isNotEmpty();
        assertThat(registry.find("strata.replication.lag.seconds").meters()).isNotEmpty();
        assertThat(registry.find("hikaricp.connections").meters()).isNotEmpty();
        assertThat(registry.find("strata.cache.gets").tag("cache", "customers").meters())
                .isNotEmpty();
        HttpResponse<String> prometheusLess = get(port, "/actuator/metrics/strata.router.statements", null);
        assertThat(prometheusLess.statusCode()).isEqualTo(200);

        // The console's JSON: the topology and the meters' numbers.
        JsonNode status =
                JSON.readTree(get(port, "/actuator/strata/status", null).body());
        assertThat(status.at("/topology/0/shard").asText()).isEqualTo("shard0");
        assertThat(status.at("/topology/1/nodes").size()).isEqualTo(2);
        assertThat(status.at("/topology/0/nodes/0/role").asText()).isEqualTo("PRIMARY");
        assertThat(status.at("/topology/0/nodes/1/up").asBoolean()).isTrue();
        long writes = 0;
        for (JsonNode n : status.get("writesPerNode")) {
            writes += n.asLong();
        }
        assertThat(writes).isGreaterThanOrEqualTo(20);
        assertThat(status.get("tierLookups").size()).isPositive();
        HttpResponse<String> page = get(port, "/actuator/strata", null);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
    }

    @Test
    @Order(3)
    void cacheableRunsOnBootsJedisAndAnswersWithRedisKilled() throws Exception {
        assertThat(jedisVersion()).isEqualTo("6.0.0"); // what Spring Boot 3.5.7 manages
        long before = service.loads();
        assertThat(name(get(port, "/customers/11/cached", null))).isEqualTo("c11");
        assertThat(name(get(port, "/customers/11/cached", null))).isEqualTo("c11");
        assertThat(service.loads() - before).isEqualTo(1);

        redis().kill();
        // Redis gone: every read is still answered, from L1 or the database.
        for (long id = 12; id <= 16; id++) {
            HttpResponse<String> r = get(port, "/customers/" + id + "/cached", null);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(name(r)).isEqualTo("c" + id);
        }
        assertThat(name(get(port, "/customers/11/cached", null))).isEqualTo("c11");

        redis().startAgain();
        // Back: the tier's circuit closes again once calls reach Redis (ids not in L1), and the
        // cache's health with it.
        long[] fresh = {1000};
        await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> {
            get(port, "/customers/" + fresh[0]++ + "/cached", null);
            JsonNode cache = health(port).at("/components/strataCaches/components/customers");
            assertThat(cache.at("/status").asText()).as(cache.toString()).isEqualTo("UP");
        });
    }

    @Test
    @Order(4)
    void readYourWritesAcrossTwoRequestsAndTwoInstancesWithReplayPaused() throws Exception {
        // Instance B: the same service configured by strata.* properties instead of the URL.
        PgTopology t = topology();
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of(
                "--server.port=0",
                "--spring.datasource.url=",
                "--strata.cache.redis-uri=" + redis().uri(),
                "--strata.consistency=read_your_writes",
                "--strata.tables.customers.sharded=id",
                "--strata.tables.customers.type=bigint",
                "--strata.transactions.coordinator-id=shop-b",
                "--strata.transactions.log=" + dir().resolve("shop-b.log")));
        for (PgShard s : t.shards()) {
            String p = "--strata.shards[" + s.index() + "].";
            args.addAll(java.util.List.of(
                    p + "name=" + s.name(),
                    p + "primary=" + s.primary().jdbcUrl(),
                    p + "replicas[0]=" + s.replica(0).jdbcUrl(),
                    p + "username=" + s.primary().user(),
                    p + "max-lag=1h"));
        }
        second = new SpringApplicationBuilder(ShopApplication.class).run(args.toArray(String[]::new));
        int portB = Integer.parseInt(second.getEnvironment().getProperty("local.server.port", "0"));
        assertThat(second.getBean(DataSource.class)).isInstanceOf(StrataDataSource.class);

        // The Redis tier works on Boot's Jedis: what A cached, B reads from Redis without loading.
        CustomerService serviceB = second.getBean(CustomerService.class);
        assertThat(name(get(port, "/customers/17/cached", null))).isEqualTo("c17");
        long loadsB = serviceB.loads();
        assertThat(name(get(portB, "/customers/17/cached", null))).isEqualTo("c17");
        assertThat(serviceB.loads()).isEqualTo(loadsB);

        long id = 500;
        put(port, id, "v1", null);
        // Both replicas have the row before replay is paused.
        await().atMost(Duration.ofSeconds(60)).until(() -> "v1".equals(name(get(portB, "/customers/" + id, null))));
        for (PgShard s : t.shards()) {
            s.replica(0).pauseReplay();
        }
        try {
            HttpResponse<String> written = put(port, id, "v2", null);
            String token = written.headers().firstValue(TOKEN).orElseThrow();
            assertThat(token).contains("shard");

            // Control: without the token the replica answers, and it is stale.
            assertThat(name(get(port, "/customers/" + id, null))).isEqualTo("v1");
            assertThat(name(get(portB, "/customers/" + id, null))).isEqualTo("v1");

            // The next request with the token sees the write, on this instance and on the other one.
            HttpResponse<String> same = get(port, "/customers/" + id, token);
            assertThat(name(same)).isEqualTo("v2");
            assertThat(same.headers().firstValue(TOKEN)).contains(token);
            assertThat(name(get(portB, "/customers/" + id, token))).isEqualTo("v2");

            // A write on B with A's token hands back a token covering both writes.
            HttpResponse<String> onB = put(portB, id + 1, "w1", token);
            String merged = onB.headers().firstValue(TOKEN).orElseThrow();
            assertThat(name(get(port, "/customers/" + (id + 1), merged))).isEqualTo("w1");
            assertThat(name(get(port, "/customers/" + id, merged))).isEqualTo("v2");

            // A token that cannot be read is refused, not ignored.
            assertThat(get(port, "/customers/" + id, "not a token").statusCode())
                    .isEqualTo(400);
        } finally {
            for (PgShard s : t.shards()) {
                s.replica(0).resumeReplay();
            }
        }
    }

    @Test
    @Order(5)
    void healthGoesOutOfServiceForAKilledReplicaDownForAKilledPrimaryAndBackToUp() throws Exception {
        PgServer replica = topology().shard(1).replica(0);
        PgServer primary = topology().shard(1).primary();
        await().atMost(Duration.ofSeconds(60))
                .untilAsserted(() -> assertThat(health(port)
                                .at("/components/strataShards/status")
                                .asText())
                        .isEqualTo("UP"));

        replica.kill();
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            JsonNode h = health(port);
            assertThat(h.at("/components/strataShards/components/shard1/status").asText())
                    .isEqualTo("OUT_OF_SERVICE");
            assertThat(h.at("/components/strataShards/components/shard0/status").asText())
                    .isEqualTo("UP");
            // One replica down does not take the application DOWN.
            assertThat(h.at("/status").asText()).isEqualTo("OUT_OF_SERVICE");
            assertThat(h.at("/components/db/status").asText()).isEqualTo("UP");
        });
        assertThat(name(get(port, "/customers/7", null))).isEqualTo("c7"); // reads still answered

        replica.start();
        await().atMost(Duration.ofSeconds(90))
                .untilAsserted(() -> assertThat(health(port)
                                .at("/components/strataShards/status")
                                .asText())
                        .isEqualTo("UP"));

        primary.kill();
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            JsonNode h = health(port);
            assertThat(h.at("/components/strataShards/components/shard1/status").asText())
                    .isEqualTo("DOWN");
            assertThat(h.at("/components/db/status").asText()).isEqualTo("DOWN");
            assertThat(h.at("/status").asText()).isEqualTo("DOWN");
        });

        primary.start();
        await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> {
            JsonNode h = health(port);
            assertThat(h.at("/components/strataShards/status").asText()).isEqualTo("UP");
            assertThat(h.at("/components/db/status").asText()).isEqualTo("UP");
        });
    }

    // ---------------------------------------------------------------------------------------

    private static JsonNode health(int port) throws Exception {
        return JSON.readTree(get(port, "/actuator/health", null).body());
    }

    private static @Nullable String name(HttpResponse<String> r) throws Exception {
        if (r.statusCode() != 200) {
            return "HTTP " + r.statusCode();
        }
        return JSON.readTree(r.body()).get("name").asText();
    }

    private static HttpResponse<String> get(int port, String path, @Nullable String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(60));
        if (token != null) {
            b.header(TOKEN, token);
        }
        return HTTP.send(b.GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> put(int port, long id, String name, @Nullable String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/customers/" + id))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "text/plain");
        if (token != null) {
            b.header(TOKEN, token);
        }
        HttpResponse<String> r = HTTP.send(
                b.PUT(HttpRequest.BodyPublishers.ofString(name)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("PUT %s: %s", id, r.body()).isEqualTo(200);
        return r;
    }

    private static String jedisVersion() throws Exception {
        try (InputStream in = redis.clients.jedis.Jedis.class.getResourceAsStream(
                "/META-INF/maven/redis.clients/jedis/pom.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "unknown");
        }
    }

    private static PgTopology topology() {
        return java.util.Objects.requireNonNull(topology);
    }

    private static RedisNode redis() {
        return java.util.Objects.requireNonNull(redis);
    }

    private static Path dir() {
        return java.util.Objects.requireNonNull(dir);
    }
}
