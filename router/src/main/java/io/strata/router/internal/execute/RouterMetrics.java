package io.strata.router.internal.execute;

import com.github.benmanes.caffeine.cache.Cache;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import io.strata.router.RouteKind;
import io.strata.router.internal.plan.Plan;
import java.util.List;
import java.util.Locale;

/**
 * The router's meters: {@code strata.router.statements} (counter; tags {@code kind} = single,
 * multi, scatter, broadcast and {@code shard}), the plan cache through Micrometer's own
 * {@link CaffeineCacheMetrics} ({@code cache.gets{cache=strata.router.plans,result=hit|miss}} etc.) plus
 * {@code strata.router.plan.cache.hit.ratio} (gauge),
 * and {@code strata.router.2pc} (counter; tag {@code outcome} = committed, aborted,
 * recovered_commit, recovered_rollback, recovery_deferred).
 */
public final class RouterMetrics {

    private final MeterRegistry registry;
    private final Counter[][] statements;

    /** Meters on {@code registry} for the given shards. */
    public RouterMetrics(MeterRegistry registry, List<String> shards, Cache<String, Plan> planCache) {
        this.registry = registry;
        RouteKind[] kinds = RouteKind.values();
        statements = new Counter[kinds.length][shards.size()];
        for (RouteKind k : kinds) {
            for (int s = 0; s < shards.size(); s++) {
                statements[k.ordinal()][s] = Counter.builder("strata.router.statements")
                        .description("Physical statements sent to shards, by route kind")
                        .tag("kind", k.name().toLowerCase(Locale.ROOT))
                        .tag("shard", shards.get(s))
                        .register(registry);
            }
        }
        CaffeineCacheMetrics.monitor(registry, planCache, "strata.router.plans");
        io.micrometer.core.instrument.Gauge.builder(
                        "strata.router.plan.cache.hit.ratio",
                        planCache,
                        c -> c.stats().hitRate())
                .description("Share of plan lookups answered from the plan cache")
                .register(registry);
    }

    void statement(RouteKind kind, int shard) {
        statements[kind.ordinal()][shard].increment();
    }

    /**
     * Two-phase commit markers: {@code strata.router.2pc.markers.pending} (gauge: commit markers of
     * committed transactions queued for deletion) and {@code strata.router.2pc.markers.deleted}
     * (function counter: markers deleted off the critical path).
     */
    public void twoPhaseMarkers(io.strata.router.internal.txn.TxMarkers markers) {
        io.micrometer.core.instrument.Gauge.builder(
                        "strata.router.2pc.markers.pending", markers, io.strata.router.internal.txn.TxMarkers::pending)
                .description("Commit markers of committed two-phase transactions waiting for deletion")
                .register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder(
                        "strata.router.2pc.markers.deleted", markers, io.strata.router.internal.txn.TxMarkers::deleted)
                .description("Commit markers deleted in the background")
                .register(registry);
    }

    /** Counts a two-phase commit outcome ({@code strata.router.2pc{outcome}}). */
    public void twoPhase(String outcome) {
        registry.counter("strata.router.2pc", "outcome", outcome).increment();
    }
}
