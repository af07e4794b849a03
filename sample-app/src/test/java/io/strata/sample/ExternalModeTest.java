package io.strata.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The external mode: the shop reads its YAML, reaches PostgreSQL through a {@code jdbc:strata:} URL
 * (the router's YAML format) and Redis by URI. "External" servers here are the testkit's.
 */
class ExternalModeTest {

    @TempDir
    Path dir;

    @Test
    void theShopRunsFromAJdbcStrataYamlAgainstServersItDidNotStart() throws Exception {
        try (LocalServers servers = LocalServers.start()) {
            StringBuilder strata = new StringBuilder("shards:\n");
            for (ShardEndpoints s : servers.shards()) {
                strata.append("  - name: ")
                        .append(s.name())
                        .append('\n')
                        .append("    primary: ")
                        .append(s.primaryUrl())
                        .append('\n')
                        .append("    replicas: [")
                        .append(String.join(", ", s.replicaUrls()))
                        .append("]\n")
                        .append("    username: ")
                        .append(s.user())
                        .append('\n')
                        .append("    maxLag: 1s\n");
            }
            strata.append("""
                    tables:
                      customers: { sharded: id, type: bigint }
                      orders: { sharded: customer_id, type: bigint }
                      profiles: { sharded: customer_id, type: bigint }
                      carts: { sharded: customer_id, type: bigint }
                      product_views: { sharded: product_id, type: bigint }
                      products: broadcast
                    transactions: { policy: two-phase, coordinatorId: shop-external-test, log: %s }
                    consistency: eventual
                    """.formatted(dir.resolve("coordinator.log")));
            Path strataYaml = dir.resolve("strata.yaml");
            Files.writeString(strataYaml, strata);
            int port = FreePorts.take(1)[0];
            Path shopYaml = dir.resolve("shop.yaml");
            Files.writeString(shopYaml, """
                    database: jdbc:strata:%s
                    redis: %s
                    hazelcast: { cluster: shop-external-test, bind: 127.0.0.1, port: %d, members: [127.0.0.1:%d] }
                    members: 1
                    status: { bind: 127.0.0.1, port: 0 }
                    workload: { customers: 100, products: 50, threads: 3, duration: 1h }
                    """.formatted(strataYaml, servers.redis.uri(), port, port));
            ByteArrayOutputStream console = new ByteArrayOutputStream();

            Summary summary = ExternalDemo.run(
                    ShopConfig.load(shopYaml),
                    1,
                    Duration.ofSeconds(4),
                    new PrintStream(console, true, StandardCharsets.UTF_8),
                    DemoEvents.NONE);

            String out = console.toString(StandardCharsets.UTF_8);
            assertThat(out).contains("External mode, member-1 of 1: database jdbc:strata:");
            assertThat(summary.errors()).as(out).isZero();
            assertThat(summary.staleReads()).as(out).isZero();
            assertThat(summary.checkedReads()).as(out).isPositive();
            assertThat(summary.hitRatio("caffeine")).as(out).isPositive();
            assertThat(summary.writeBehindFlushed()).as(out).isPositive();
            assertThat(summary.readsPerNode())
                    .as("per-node meters from the YAML-built data source: " + out)
                    .isNotEmpty();
            assertThat(servers.topology.shard(0).primary().queryLong("SELECT count(*) FROM customers")
                            + servers.topology.shard(1).primary().queryLong("SELECT count(*) FROM customers"))
                    .isEqualTo(100);
        }
    }

    @Test
    void aBadShopYamlReportsEveryErrorWithItsPath() throws Exception {
        Path yaml = dir.resolve("shop.yaml");
        Files.writeString(yaml, """
                database: jdbc:postgresql://db/app
                redis: redis://r:6379
                hazelcast: { cluster: c, bind: 0.0.0.0, members: [] }
                workload: { threads: -1, duration: soon }
                colour: blue
                """);

        assertThatThrownBy(() -> ShopConfig.load(yaml))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("6 errors")
                .hasMessageContaining("database: must be a jdbc:strata: URL but was 'jdbc:postgresql://db/app'")
                .hasMessageContaining("hazelcast.port: required")
                .hasMessageContaining("hazelcast.members: required")
                .hasMessageContaining("workload.threads: must be a non-negative integer but was -1")
                .hasMessageContaining("workload.duration: must look like 20s, 1m, 1h or 500ms but was 'soon'")
                .hasMessageContaining("colour: unknown key");
    }

    @Test
    void membersShareTheCustomersWithoutOverlap() throws Exception {
        Path yaml = dir.resolve("shop.yaml");
        Files.writeString(yaml, """
                database: jdbc:strata:/config/strata.yaml
                redis: redis://redis:6379
                hazelcast: { cluster: shop, bind: 0.0.0.0, port: 5701, members: [app1:5701, app2:5701] }
                members: 2
                workload: { customers: 9 }
                """);
        ShopConfig config = ShopConfig.load(yaml);

        assertThat(config.member(1, dir).ownedCustomers()).containsExactly(1L, 3L, 5L, 7L, 9L);
        assertThat(config.member(2, dir).ownedCustomers()).containsExactly(2L, 4L, 6L, 8L);
        assertThat(config.duration()).isEqualTo(Duration.ofMinutes(10));
        assertThat(config.hazelcastMembers()).isEqualTo(List.of("app1:5701", "app2:5701"));
        assertThatThrownBy(() -> config.member(3, dir)).hasMessageContaining("member must be in 1..2 but was 3");
    }
}
