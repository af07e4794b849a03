package io.strata.sample;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.DataFormatException;
import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;

/**
 * What a run showed, from one member or merged over several: throughput and latency, cache hit
 * ratios per tier, reads per node, the highest replica lag, checked and stale reads, write-behind
 * progress and invalidations. Serialized as JSON for the status endpoint and between processes.
 *
 * @param members how many members contributed
 * @param seconds how long the workload ran
 * @param operations operations completed
 * @param operationsByKind operations per kind
 * @param latencyByKind each kind's latency histogram (microseconds), compressed and Base64-encoded
 * @param latencyHistogram the latency histogram (microseconds), compressed and Base64-encoded
 * @param p50Millis median latency
 * @param p95Millis 95th percentile latency
 * @param p99Millis 99th percentile latency
 * @param tierHits cache hits per tier (caffeine, hazelcast, redis), all caches
 * @param tierLookups cache lookups per tier
 * @param readsPerNode statements routed as reads, per PostgreSQL node
 * @param writesPerNode statements routed as writes, per PostgreSQL node
 * @param maxLagBytes highest replica lag seen in bytes (-1: not observed)
 * @param maxLagMillis highest replica lag seen in time (-1: not observed)
 * @param checkedReads reads compared with what their session had written
 * @param staleReads checked reads that showed less than the session had written
 * @param lastStaleRead what the last stale read was, or null
 * @param acknowledgedWrites writes acknowledged to the workload
 * @param errors operations that failed
 * @param lastError the last failure, or null
 * @param writeBehindFlushed write-behind entries written to PostgreSQL
 * @param writeBehindPending write-behind entries queued when the workload stopped
 * @param invalidationsSent L1 invalidations sent to other members
 * @param invalidationsReceived L1 invalidations received from other members
 * @param topology every shard's nodes (roles, up/down, circuit, lag) as the lag monitor saw them last
 * @param primaryFallbacks reads sent to the primary because no replica qualified, per replica set
 */
public record Summary(
        int members,
        double seconds,
        long operations,
        Map<String, Long> operationsByKind,
        Map<String, String> latencyByKind,
        String latencyHistogram,
        double p50Millis,
        double p95Millis,
        double p99Millis,
        Map<String, Long> tierHits,
        Map<String, Long> tierLookups,
        Map<String, Long> readsPerNode,
        Map<String, Long> writesPerNode,
        long maxLagBytes,
        long maxLagMillis,
        long checkedReads,
        long staleReads,
        @Nullable String lastStaleRead,
        long acknowledgedWrites,
        long errors,
        @Nullable String lastError,
        long writeBehindFlushed,
        long writeBehindPending,
        long invalidationsSent,
        long invalidationsReceived,
        List<ShardStatus> topology,
        Map<String, Long> primaryFallbacks) {

    /** The router's plan cache, which also reports through Micrometer's Caffeine binder. */
    private static final String PLAN_CACHE = "strata.router.plans";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A summary of one member's run so far. */
    static Summary of(WorkloadStats stats, MeterRegistry registry, ReplicaLagWatch lag, double seconds) {
        Histogram latency = stats.latency();
        Map<String, Long> ops = new TreeMap<>();
        Map<String, String> byKind = new TreeMap<>();
        stats.latencyByKind().forEach((kind, h) -> {
            ops.put(kind, h.getTotalCount());
            byKind.put(kind, encode(h));
        });
        Map<String, Long> hits = new TreeMap<>();
        Map<String, Long> lookups = new TreeMap<>();
        // cache.gets is Micrometer's standard Caffeine meter: the shop caches' L1s and the router's plan cache.
        hits.put(
                "caffeine",
                Meters.sum(registry, "cache.gets", "result", "hit")
                        - Meters.sum(registry, "cache.gets", "cache", PLAN_CACHE, "result", "hit"));
        lookups.put(
                "caffeine",
                Meters.sum(registry, "cache.gets") - Meters.sum(registry, "cache.gets", "cache", PLAN_CACHE));
        for (String tier : List.of("hazelcast", "redis")) {
            hits.put(tier, Meters.sum(registry, "strata.cache.gets", "tier", tier, "result", "hit"));
            lookups.put(tier, Meters.sum(registry, "strata.cache.gets", "tier", tier));
        }
        return new Summary(
                1,
                seconds,
                stats.operations(),
                ops,
                byKind,
                encode(latency),
                millis(latency, 50),
                millis(latency, 95),
                millis(latency, 99),
                hits,
                lookups,
                Meters.sumBy(registry, "strata.replication.statements", "node", "kind", "read"),
                Meters.sumBy(registry, "strata.replication.statements", "node", "kind", "write"),
                lag.watching() ? lag.maxLagBytes() : -1,
                lag.watching() ? lag.maxLagMillis() : -1,
                stats.checkedReads(),
                stats.staleReads(),
                stats.lastStaleRead(),
                stats.acknowledgedWrites(),
                stats.errors(),
                stats.lastError(),
                Meters.sum(registry, "strata.cache.writebehind.flushed"),
                Meters.sum(registry, "strata.cache.writebehind.depth"),
                Meters.sum(registry, "strata.cache.invalidations", "direction", "sent"),
                Meters.sum(registry, "strata.cache.invalidations", "direction", "received"),
                lag.topology(),
                Meters.sumBy(registry, "strata.replication.fallbacks", "replicaSet", "outcome", "primary"));
    }

    /**
     * Several members' summaries as one: counts added, latency histograms merged, the longest
     * duration, the highest lag. Queue depth is cluster-wide on every member, so the highest is kept.
     */
    static Summary merge(List<Summary> parts) {
        Histogram latency = new Histogram(3);
        Map<String, Histogram> kinds = new TreeMap<>();
        Map<String, Long> ops = new TreeMap<>();
        Map<String, Long> hits = new TreeMap<>();
        Map<String, Long> lookups = new TreeMap<>();
        Map<String, Long> reads = new TreeMap<>();
        Map<String, Long> writes = new TreeMap<>();
        double seconds = 0;
        long operations = 0;
        long lagBytes = -1;
        long lagMillis = -1;
        long checked = 0;
        long stale = 0;
        long acked = 0;
        long errors = 0;
        long flushed = 0;
        long pending = 0;
        long sent = 0;
        long received = 0;
        String lastStale = null;
        String lastError = null;
        List<ShardStatus> topology = List.of();
        Map<String, Long> fallbacks = new TreeMap<>();
        for (Summary s : parts) {
            latency.add(decode(s.latencyHistogram));
            s.operationsByKind.forEach((k, v) -> ops.merge(k, v, Long::sum));
            s.latencyByKind.forEach(
                    (k, v) -> kinds.computeIfAbsent(k, x -> new Histogram(3)).add(decode(v)));
            s.tierHits.forEach((k, v) -> hits.merge(k, v, Long::sum));
            s.tierLookups.forEach((k, v) -> lookups.merge(k, v, Long::sum));
            s.readsPerNode.forEach((k, v) -> reads.merge(k, v, Long::sum));
            s.writesPerNode.forEach((k, v) -> writes.merge(k, v, Long::sum));
            seconds = Math.max(seconds, s.seconds);
            operations += s.operations;
            lagBytes = Math.max(lagBytes, s.maxLagBytes);
            lagMillis = Math.max(lagMillis, s.maxLagMillis);
            checked += s.checkedReads;
            stale += s.staleReads;
            acked += s.acknowledgedWrites;
            errors += s.errors;
            flushed += s.writeBehindFlushed;
            pending = Math.max(pending, s.writeBehindPending);
            sent += s.invalidationsSent;
            received += s.invalidationsReceived;
            lastStale = s.lastStaleRead != null ? s.lastStaleRead : lastStale;
            lastError = s.lastError != null ? s.lastError : lastError;
            // every member watches the same servers: the first view that has any is kept
            topology = topology.isEmpty() && s.topology != null ? s.topology : topology;
            if (s.primaryFallbacks != null) {
                s.primaryFallbacks.forEach((k, v) -> fallbacks.merge(k, v, Long::sum));
            }
        }
        Map<String, String> byKind = new TreeMap<>();
        kinds.forEach((k, h) -> byKind.put(k, encode(h)));
        return new Summary(
                parts.size(),
                seconds,
                operations,
                ops,
                byKind,
                encode(latency),
                millis(latency, 50),
                millis(latency, 95),
                millis(latency, 99),
                hits,
                lookups,
                reads,
                writes,
                lagBytes,
                lagMillis,
                checked,
                stale,
                lastStale,
                acked,
                errors,
                lastError,
                flushed,
                pending,
                sent,
                received,
                topology,
                fallbacks);
    }

    /** Operations per second. */
    public double throughput() {
        return seconds > 0 ? operations / seconds : 0;
    }

    /** Hits over lookups for a tier (0 when it had no lookups). */
    public double hitRatio(String tier) {
        long n = tierLookups.getOrDefault(tier, 0L);
        return n == 0 ? 0 : (double) tierHits.getOrDefault(tier, 0L) / n;
    }

    /** This summary as one line of JSON. */
    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * This summary as the status endpoint serves it: without the two base64-encoded latency
     * histograms ({@code latencyHistogram}, {@code latencyByKind}, most of its size) unless
     * {@code histograms}; the percentiles stay.
     */
    public String toStatusJson(boolean histograms) {
        if (histograms) {
            return toJson();
        }
        com.fasterxml.jackson.databind.node.ObjectNode tree = JSON.valueToTree(this);
        tree.remove("latencyHistogram");
        tree.remove("latencyByKind");
        return tree.toString();
    }

    /** A summary from {@link #toJson()}. */
    public static Summary fromJson(String json) {
        try {
            return JSON.readValue(json, Summary.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a summary: " + json, e);
        }
    }

    /** Prints the summary for people. */
    public void print(PrintStream out) {
        out.println();
        out.printf("Summary (%d member%s, %.1f s)%n", members, members == 1 ? "" : "s", seconds);
        out.printf("  throughput          %,.0f ops/s (%,d operations, %d errors)%n", throughput(), operations, errors);
        out.printf("  latency             p50 %.2f ms   p95 %.2f ms   p99 %.2f ms%n", p50Millis, p95Millis, p99Millis);
        List<String> ratios = new ArrayList<>();
        for (String tier : List.of("caffeine", "hazelcast", "redis")) {
            ratios.add(
                    String.format("%s %.1f%% of %,d", tier, 100 * hitRatio(tier), tierLookups.getOrDefault(tier, 0L)));
        }
        out.printf("  cache hit ratio     %s%n", String.join("   ", ratios));
        if (readsPerNode.isEmpty()) {
            out.println(
                    "  reads per node      not available (a classpath: jdbc:strata: URL reports no per-node meters)");
        } else {
            List<String> nodes = new ArrayList<>();
            readsPerNode.forEach((node, n) -> nodes.add(String.format("%s %,d", node, n)));
            out.printf("  reads per node      %s%n", String.join("   ", nodes));
            List<String> w = new ArrayList<>();
            writesPerNode.forEach((node, n) -> w.add(String.format("%s %,d", node, n)));
            out.printf("  writes per node     %s%n", String.join("   ", w));
        }
        if (maxLagBytes < 0) {
            out.println("  max replica lag     not observed");
        } else {
            out.printf("  max replica lag     %,d bytes, %d ms%n", maxLagBytes, maxLagMillis);
        }
        out.printf(
                "  stale reads         %d of %,d checked reads (read-your-writes, strong, profile and cart reads"
                        + " compared with the session's own writes)%n",
                staleReads, checkedReads);
        out.printf(
                "  write-behind        %,d flushed to PostgreSQL, %,d pending when the workload stopped%n",
                writeBehindFlushed, writeBehindPending);
        out.printf(
                "  invalidations       %,d sent, %,d received from other members%n",
                invalidationsSent, invalidationsReceived);
        out.printf("  acknowledged writes %,d%n", acknowledgedWrites);
        out.println("  by operation        count      p50 ms    p99 ms");
        latencyByKind.forEach((kind, encoded) -> {
            Histogram h = decode(encoded);
            out.printf("    %-18s %,8d  %8.2f  %8.2f%n", kind, h.getTotalCount(), millis(h, 50), millis(h, 99));
        });
        if (lastStaleRead != null) {
            out.printf("  last stale read     %s%n", lastStaleRead);
        }
        if (lastError != null) {
            out.printf("  last error          %s%n", lastError);
        }
    }

    private static double millis(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(percentile) / 1000.0;
    }

    private static String encode(Histogram h) {
        ByteBuffer buffer = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
        int length = h.encodeIntoCompressedByteBuffer(buffer);
        return Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(buffer.array(), length));
    }

    private static Histogram decode(String base64) {
        try {
            return Histogram.decodeFromCompressedByteBuffer(
                    ByteBuffer.wrap(Base64.getDecoder().decode(base64)), 0);
        } catch (DataFormatException e) {
            throw new IllegalArgumentException("not an encoded histogram", e);
        }
    }
}
