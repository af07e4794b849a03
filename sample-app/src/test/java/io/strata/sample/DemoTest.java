package io.strata.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The demo's workload, run briefly: what the README promises a newcomer holds. */
class DemoTest {

    @Test
    void aShortDemoRunHasNoStaleReadHitsEveryTierReadsEveryNodeAndLeavesNoProcess() throws Exception {
        Properties p = new Properties();
        p.setProperty("duration", "8s");
        p.setProperty("threads", "4");
        // Few customers, so that sessions read back what they wrote even when a loaded machine runs few operations.
        p.setProperty("customers", "40");
        DemoOptions options = DemoOptions.from(p);
        List<Long> serverPids = new CopyOnWriteArrayList<>();
        List<String> scraped = new CopyOnWriteArrayList<>();
        ByteArrayOutputStream console = new ByteArrayOutputStream();

        Summary summary =
                EmbeddedDemo.run(options, new PrintStream(console, true, StandardCharsets.UTF_8), new DemoEvents() {
                    @Override
                    public void serversStarted(List<Long> pids) {
                        serverPids.addAll(pids);
                    }

                    @Override
                    public void workloadFinished(String url) {
                        // Scraped as Prometheus would, while the member still serves, after the workload ran.
                        try {
                            scraped.add(get(url + "/status"));
                            scraped.add(get(url + "/metrics"));
                        } catch (Exception | AssertionError e) {
                            scraped.add("failed: " + e);
                        }
                    }
                });

        String out = console.toString(StandardCharsets.UTF_8);
        assertThat(summary.errors()).as(out).isZero();
        assertThat(summary.staleReads()).as(out).isZero();
        assertThat(summary.checkedReads()).as(out).isPositive();
        for (String tier : List.of("caffeine", "hazelcast", "redis")) {
            assertThat(summary.hitRatio(tier)).as(tier + " hit ratio\n" + out).isGreaterThan(0);
        }
        assertThat(summary.readsPerNode())
                .as(out)
                .containsOnlyKeys("shard0-primary", "shard0-replica0", "shard1-primary", "shard1-replica0");
        assertThat(summary.readsPerNode().values())
                .allSatisfy(n -> assertThat(n).isPositive());
        assertThat(summary.writeBehindFlushed()).isPositive();
        assertThat(summary.p99Millis())
                .isGreaterThanOrEqualTo(summary.p50Millis())
                .isPositive();
        assertThat(out).contains("stale reads         0 of").contains("after shutdown      0 write-behind entries");

        assertThat(scraped).hasSize(2);
        assertThat(scraped.get(0)).startsWith("{");
        assertThat(Summary.fromJson(scraped.get(0)).operations()).isPositive();
        assertThat(scraped.get(1)).contains("strata_replication_statements_total", "strata_cache_gets_total");
        // The caches' Caffeine L1 and the router's plan cache both export Micrometer's standard
        // cache_gets_total with the same tag keys; Prometheus would drop a second set of keys.
        assertThat(scraped.get(1).lines())
                .as("Caffeine L1 meters exported")
                .anyMatch(l -> l.startsWith("cache_gets_total{") && l.contains("cache=\"products\""));
        assertThat(scraped.get(1).lines())
                .as("plan cache meters exported beside them")
                .anyMatch(l -> l.startsWith("cache_gets_total{") && l.contains("cache=\"strata.router.plans\""));

        // Every metric the Grafana dashboard (docker/grafana) queries is exported under that name.
        for (String metric : GrafanaDashboard.metrics()) {
            assertThat(scraped.get(1).lines())
                    .as("Grafana dashboard queries " + metric)
                    .anyMatch(l -> l.startsWith(metric + "{") || l.startsWith(metric + " "));
        }

        assertThat(serverPids).hasSize(5);
        List<Long> alive = new ArrayList<>();
        for (long pid : serverPids) {
            ProcessHandle.of(pid).filter(ProcessHandle::isAlive).ifPresent(h -> alive.add(pid));
        }
        assertThat(alive).as("server processes left running").isEmpty();
        assertThat(Thread.getAllStackTraces().keySet())
                .as("threads left running")
                .noneMatch(t -> t.getName().startsWith("hz.") || t.getName().startsWith("shop-"));
    }

    private static String get(String url) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }
}
