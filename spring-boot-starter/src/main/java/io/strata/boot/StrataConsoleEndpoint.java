package io.strata.boot;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.strata.replication.NodeState;
import io.strata.replication.ReplicaSetDataSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.web.annotation.WebEndpoint;

/**
 * Actuator endpoint {@code strata}: {@code GET /actuator/strata} is the live console page (a
 * self-contained HTML resource, {@value #CONSOLE}, shipped with strata-router; it fetches
 * {@code status} relative to {@code /actuator/strata/}), {@code GET /actuator/strata/status} the
 * JSON it shows: the topology from each shard's lag monitor (nodes, roles, up, circuit, lag),
 * statements per node, primary fallbacks, cache lookups and hits per tier, write-behind depth.
 * Expose it with {@code management.endpoints.web.exposure.include=strata}.
 */
@WebEndpoint(id = "strata")
public final class StrataConsoleEndpoint {

    /** The console page's class-path resource. */
    public static final String CONSOLE = "META-INF/strata/console/index.html";

    private final StrataDataSource dataSource;
    private final MeterRegistry registry;
    private final String basePath;

    /**
     * The endpoint over {@code dataSource}'s shards and {@code registry}'s meters; {@code basePath}
     * is where the endpoint is served ({@code /actuator/strata}), given to the page as its base.
     */
    public StrataConsoleEndpoint(StrataDataSource dataSource, MeterRegistry registry, String basePath) {
        this.dataSource = dataSource;
        this.registry = registry;
        this.basePath = basePath.endsWith("/") ? basePath : basePath + "/";
    }

    /** The console page, with a {@code <base>} so that its relative {@code status} URL lands here. */
    @ReadOperation(produces = "text/html")
    public String console() throws IOException {
        ClassLoader cl = StrataConsoleEndpoint.class.getClassLoader();
        try (InputStream in = cl.getResourceAsStream(CONSOLE)) {
            if (in == null) {
                return "<!doctype html><title>Strata</title><p>The console page is not on the class path ("
                        + CONSOLE + "); the JSON it shows is at <a href=\"" + basePath + "status\">" + basePath
                        + "status</a>.";
            }
            String html = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            String base = "<base href=\"" + basePath + "\">";
            int head = html.indexOf("<head>");
            return head < 0 ? base + html : html.substring(0, head + 6) + base + html.substring(head + 6);
        }
    }

    /** {@code status}: the JSON the console shows. */
    @ReadOperation(produces = "application/json")
    public @Nullable Map<String, Object> part(@Selector String part) throws SQLException {
        if (!part.equals("status")) {
            return null; // 404
        }
        return status();
    }

    /** The status: topology, statements per node, fallbacks, tier hits, write-behind depth. */
    public Map<String, Object> status() throws SQLException {
        Map<String, Object> out = new LinkedHashMap<>();
        List<Object> topology = new ArrayList<>();
        for (Map.Entry<String, DataSource> e :
                dataSource.shardingDataSource().shardDataSources().entrySet()) {
            if (!e.getValue().isWrapperFor(ReplicaSetDataSource.class)) {
                continue;
            }
            ReplicaSetDataSource set = e.getValue().unwrap(ReplicaSetDataSource.class);
            String primary = set.primaryName();
            List<Object> nodes = new ArrayList<>();
            for (NodeState n : set.nodeStates()) {
                Map<String, Object> node = new LinkedHashMap<>();
                boolean isPrimary = n.name().equals(primary);
                node.put("name", n.name());
                node.put("role", isPrimary ? "PRIMARY" : "REPLICA");
                node.put("up", n.up());
                node.put("circuitOpen", n.circuitOpen());
                node.put("lagBytes", isPrimary ? 0 : n.lagBytes());
                node.put("lagMillis", isPrimary ? 0 : n.lag().toMillis());
                nodes.add(node);
            }
            topology.add(Map.of("shard", e.getKey(), "nodes", nodes));
        }
        out.put("topology", topology);
        out.put("primaryFallbacks", sum("strata.replication.fallbacks", "replicaSet", "outcome", "primary"));
        out.put("readsPerNode", sum("strata.replication.statements", "node", "kind", "read"));
        out.put("writesPerNode", sum("strata.replication.statements", "node", "kind", "write"));
        out.put("tierHits", sum("strata.cache.gets", "tier", "result", "hit"));
        out.put("tierLookups", sum("strata.cache.gets", "tier", null, null));
        double pending = 0;
        for (Gauge g : registry.find("strata.cache.writebehind.depth").gauges()) {
            pending += Math.max(0, g.value());
        }
        out.put("writeBehindPending", (long) pending);
        return out;
    }

    // Counter totals grouped by one tag, optionally only those with filterTag=filterValue.
    private Map<String, Long> sum(String name, String by, @Nullable String filterTag, @Nullable String filterValue) {
        Map<String, Long> out = new TreeMap<>();
        for (Counter c : registry.find(name).counters()) {
            if (filterTag != null
                    && !String.valueOf(filterValue).equals(c.getId().getTag(filterTag))) {
                continue;
            }
            String key = c.getId().getTag(by);
            if (key != null) {
                out.merge(key, (long) c.count(), Long::sum);
            }
        }
        return out;
    }
}
