package io.strata.boot;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;

/**
 * Health of one tiered cache, read from the meters it reports (so the cache must have been built
 * with the application's {@link MeterRegistry}, as the starter's caches are):
 *
 * <ul>
 *   <li>{@code strata.health.tier-open-status} (default OUT_OF_SERVICE) when a tier's circuit is
 *       open or half-open (gauge {@code strata.cache.circuit.state} not 0): that tier is a miss, reads
 *       are still answered by the tiers below and the store;
 *   <li>{@code strata.health.write-behind-backlog-status} (default OUT_OF_SERVICE) when the
 *       write-behind queue is deeper than {@code strata.health.write-behind-depth-limit};
 *   <li>otherwise UP. A cache never reports DOWN: a cache fault costs hit ratio, not answers.
 * </ul>
 */
public final class CacheHealthIndicator extends AbstractHealthIndicator {

    private final String cache;
    private final MeterRegistry registry;
    private final Status tierOpen;
    private final Status backlog;
    private final long depthLimit;

    /** Health of cache {@code cache} by the rules above. */
    public CacheHealthIndicator(
            String cache, MeterRegistry registry, Status tierOpen, Status backlog, long depthLimit) {
        super("Strata cache health check failed");
        this.cache = cache;
        this.registry = registry;
        this.tierOpen = tierOpen;
        this.backlog = backlog;
        this.depthLimit = depthLimit;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        Map<String, Object> tiers = new LinkedHashMap<>();
        boolean open = false;
        for (Gauge g :
                registry.find("strata.cache.circuit.state").tag("cache", cache).gauges()) {
            String tier = g.getId().getTag("tier");
            int state = (int) g.value();
            tiers.put(String.valueOf(tier), state == 0 ? "CLOSED" : state == 1 ? "OPEN" : "HALF_OPEN");
            open |= state != 0;
        }
        builder.withDetail("tiers", tiers);
        Gauge depth = registry.find("strata.cache.writebehind.depth")
                .tag("cache", cache)
                .gauge();
        double queued = depth == null ? 0 : depth.value();
        if (depth != null) {
            builder.withDetail("writeBehindDepth", (long) queued);
        }
        if (open) {
            builder.status(tierOpen).withDetail("reason", "a tier's circuit is open: it counts as a miss");
        } else if (queued > depthLimit) {
            builder.status(backlog)
                    .withDetail("reason", "write-behind depth " + (long) queued + " is above " + depthLimit);
        } else {
            builder.up();
        }
    }
}
