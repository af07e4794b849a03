package io.strata.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.strata.testkit.PgServer;
import io.strata.testkit.PgShard;
import io.strata.testkit.PgTopology;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live console in a real headless Chromium (Debian's, which {@code .ci/run} installs in CI):
 * the page served by the demo's status server against a running 2 x (1 + 1) topology, its numbers
 * compared with {@code /status}, and a screenshot kept in {@code target/console-screenshot.png}.
 * Without Chromium the test is skipped with a message, except in CI, where that is a failure.
 */
class ConsoleInChromiumTest {

    private static final List<String> CHROMIUM_FLAGS = List.of(
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars");

    @Test
    void theConsoleShowsWhatStatusSays(@TempDir Path work) throws Exception {
        Path chromium = chromium();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (PgTopology topology =
                        PgTopology.builder().shards(2).replicasPerShard(1).start();
                ShopDatabase db = ShopDatabase.open(endpoints(topology), "console-test", work, registry);
                ReplicaLagWatch lag = new ReplicaLagWatch(db.replicaSets);
                StatusServer server = new StatusServer(
                        "127.0.0.1",
                        0,
                        registry,
                        histograms -> Summary.of(new WorkloadStats(), registry, lag, 1)
                                .toStatusJson(histograms))) {
            // statements on every node: reads go to the replicas (and to a primary as writes)
            for (var set : db.replicaSets) {
                try (Connection c = set.getConnection();
                        Statement s = c.createStatement()) {
                    s.execute("CREATE TABLE IF NOT EXISTS console_probe (id int)");
                }
                for (int i = 0; i < 5; i++) {
                    try (Connection c = set.getConnection();
                            Statement s = c.createStatement();
                            ResultSet rs = s.executeQuery("SELECT 1")) {
                        assertThat(rs.next()).isTrue();
                    }
                }
            }
            Summary before = Summary.fromJson(get(server.url() + "/status"));
            assertThat(before.topology()).hasSize(2);

            String dom = chromium(chromium, work, "--dump-dom", server.url() + "/console?every=500");
            Summary after = Summary.fromJson(get(server.url() + "/status"));
            Path shot = Path.of("target", "console-screenshot.png").toAbsolutePath();
            Files.deleteIfExists(shot);
            chromium(
                    chromium,
                    work,
                    "--screenshot=" + shot,
                    "--window-size=1280,1100",
                    server.url() + "/console?every=500");

            assertThat(attribute(dom, "body", "data-refreshes"))
                    .as("the page fetched /status and rendered it\n" + dom)
                    .isNotNull();
            assertThat(text(dom, "error")).as(dom).isEmpty();

            // topology: every node with its role and state, as /status says (they do not change here)
            Map<String, List<String>> shown = nodes(dom);
            Map<String, List<String>> expected = new HashMap<>();
            for (ShardStatus shard : after.topology()) {
                for (ShardStatus.Node n : shard.nodes()) {
                    expected.put(
                            n.name(),
                            List.of(
                                    n.role().toLowerCase(java.util.Locale.ROOT),
                                    n.up() ? "up" : "down",
                                    n.circuitOpen() ? "open" : "closed"));
                }
            }
            assertThat(shown).as(dom).isEqualTo(expected);
            assertThat(expected).containsKeys("shard0-primary", "shard0-replica0", "shard1-primary", "shard1-replica0");

            // statements per node: between what /status said before and after the page loaded
            Map<String, Long> reads = numbers(dom, "statement-node", "data-node", "reads");
            assertThat(reads.keySet()).containsAll(before.readsPerNode().keySet());
            for (var e : reads.entrySet()) {
                assertThat(e.getValue())
                        .as("reads on " + e.getKey())
                        .isBetween(
                                before.readsPerNode().getOrDefault(e.getKey(), 0L),
                                after.readsPerNode().getOrDefault(e.getKey(), 0L));
            }
            assertThat(reads.values().stream().mapToLong(Long::longValue).sum()).isPositive();

            // primary fallbacks per replica set, write-behind depth, cache tiers (no cache here: 0 lookups)
            Map<String, Long> fallbacks = numbers(dom, "fallback-set", "data-set", "fallbacks");
            assertThat(fallbacks.keySet()).isEqualTo(after.primaryFallbacks().keySet());
            for (var e : fallbacks.entrySet()) {
                assertThat(e.getValue())
                        .isBetween(
                                before.primaryFallbacks().get(e.getKey()),
                                after.primaryFallbacks().get(e.getKey()));
            }
            assertThat(text(dom, "writebehind-depth")).isEqualTo(Long.toString(after.writeBehindPending()));
            for (String tier : after.tierLookups().keySet()) {
                String ratio = tierRatio(dom, tier);
                long lookups = after.tierLookups().get(tier);
                assertThat(ratio)
                        .isEqualTo(
                                lookups == 0
                                        ? "n/a"
                                        : String.format(
                                                java.util.Locale.ROOT,
                                                "%.1f%%",
                                                100.0 * after.tierHits().get(tier) / lookups));
            }

            // the lag chart: one line per replica
            assertThat(lagLines(dom)).containsExactlyInAnyOrder("shard0-replica0", "shard1-replica0");

            assertThat(shot).exists();
            assertThat(Files.size(shot)).isGreaterThan(10_000);
        }
    }

    private static List<ShardEndpoints> endpoints(PgTopology topology) {
        List<ShardEndpoints> shards = new ArrayList<>();
        for (PgShard shard : topology.shards()) {
            List<String> replicas = new ArrayList<>();
            for (PgServer r : shard.replicas()) {
                replicas.add(r.jdbcUrl());
            }
            shards.add(new ShardEndpoints(
                    shard.name(),
                    shard.primary().jdbcUrl(),
                    List.copyOf(replicas),
                    shard.primary().user(),
                    ""));
        }
        return shards;
    }

    /** Debian's Chromium; skips the test when it is missing outside CI, fails in CI. */
    private static Path chromium() {
        for (String candidate : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser")) {
            Path p = Path.of(candidate);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            fail("Chromium is not installed, but this is CI: .ci/run installs Debian's chromium and chromium-driver");
        }
        Assumptions.abort("Chromium is not installed here (Debian package chromium; .ci/run installs it in CI):"
                + " the console test is skipped outside CI");
        throw new AssertionError("unreachable");
    }

    /** Runs headless Chromium once with a fresh profile; its standard output (the DOM for --dump-dom). */
    private static String chromium(Path chromium, Path work, String... args) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory(work, "chromium-profile");
        List<String> command = new ArrayList<>();
        command.add(chromium.toString());
        command.addAll(CHROMIUM_FLAGS);
        command.add("--user-data-dir=" + profile);
        // virtual time runs the page's timers (and waits for its fetches) for 6 s of page time
        command.add("--virtual-time-budget=6000");
        command.addAll(List.of(args));
        Path out = work.resolve("chromium-" + System.nanoTime() + ".out");
        Path err = work.resolve("chromium-" + System.nanoTime() + ".err");
        Process p = new ProcessBuilder(command)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("Chromium did not finish in 120 s: " + Files.readString(err));
        }
        assertThat(p.exitValue()).as(Files.readString(err)).isZero();
        return Files.readString(out, StandardCharsets.UTF_8);
    }

    private static String get(String url) throws IOException, InterruptedException {
        HttpResponse<String> r = HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }

    private static String attribute(String dom, String tag, String name) {
        Matcher m = Pattern.compile("<" + tag + "\\b[^>]*\\b" + name + "=\"([^\"]*)\"")
                .matcher(dom);
        return m.find() ? m.group(1) : null;
    }

    /** The text of the element with {@code data-test="<test>"}. */
    private static String text(String dom, String test) {
        Matcher m = Pattern.compile("data-test=\"" + Pattern.quote(test) + "\"[^>]*>([^<]*)<")
                .matcher(dom);
        if (!m.find()) {
            fail("no element data-test=" + test + " in\n" + dom);
        }
        return unescape(m.group(1));
    }

    /** The rows {@code data-test="<rowTest>"}, by their {@code key} attribute, each as its cells' texts. */
    private static Map<String, String> rows(String dom, String rowTest, String key) {
        Map<String, String> rows = new HashMap<>();
        Matcher m = Pattern.compile("<tr data-test=\"" + rowTest + "\" " + key + "=\"([^\"]*)\">(.*?)</tr>")
                .matcher(dom);
        while (m.find()) {
            rows.put(unescape(m.group(1)), m.group(2));
        }
        return rows;
    }

    private static String cell(String row, String test) {
        Matcher m = Pattern.compile("data-test=\"" + test + "\"[^>]*>([^<]*)<").matcher(row);
        return m.find() ? unescape(m.group(1)) : null;
    }

    private static Map<String, List<String>> nodes(String dom) {
        Map<String, List<String>> nodes = new HashMap<>();
        rows(dom, "node", "data-node")
                .forEach((name, row) ->
                        nodes.put(name, List.of(cell(row, "role"), cell(row, "state"), cell(row, "circuit"))));
        return nodes;
    }

    private static Map<String, Long> numbers(String dom, String rowTest, String key, String cellTest) {
        Map<String, Long> numbers = new HashMap<>();
        rows(dom, rowTest, key)
                .forEach((name, row) ->
                        numbers.put(name, Long.parseLong(cell(row, cellTest).replace(",", ""))));
        return numbers;
    }

    private static String tierRatio(String dom, String tier) {
        String row = rows(dom, "tier", "data-tier").get(tier);
        assertThat(row).as("tier " + tier + " shown").isNotNull();
        return cell(row, "hit-ratio");
    }

    private static List<String> lagLines(String dom) {
        List<String> names = new ArrayList<>();
        Matcher m = Pattern.compile("<path [^>]*data-replica=\"([^\"]*)\"").matcher(dom);
        while (m.find()) {
            names.add(unescape(m.group(1)));
        }
        return names;
    }

    private static String unescape(String html) {
        return html.replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&amp;", "&");
    }
}
