package io.strata.boot;

import io.strata.replication.NodeRole;
import io.strata.replication.NodeState;
import io.strata.replication.ReplicaSetDataSource;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;

/**
 * Health of one shard, from its lag monitor's current view (no query is sent):
 *
 * <ul>
 *   <li>DOWN when the primary is not up or its circuit is open (writes to the shard fail);
 *   <li>otherwise {@code strata.health.replicas-down-status} (default OUT_OF_SERVICE) when the
 *       shard has replicas and none can serve reads (down, circuit open, or lagging more than
 *       {@code strata.health.max-lag}): reads fall back to the primary, rate-limited, or fail;
 *   <li>otherwise UP, also when some replicas cannot serve reads (listed in the details).
 * </ul>
 *
 * Details: each node's role, up, circuit, lag (time and bytes).
 */
public final class ShardHealthIndicator extends AbstractHealthIndicator {

    private final ReplicaSetDataSource shard;
    private final Status replicasDown;
    private final @Nullable Duration maxLag;

    /** Health of {@code shard} by the rules above. */
    public ShardHealthIndicator(ReplicaSetDataSource shard, Status replicasDown, @Nullable Duration maxLag) {
        super("Strata shard health check failed");
        this.shard = shard;
        this.replicasDown = replicasDown;
        this.maxLag = maxLag;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        List<NodeState> nodes = shard.nodeStates();
        String primaryName = shard.primaryName();
        boolean primaryOk = false;
        int replicas = 0;
        int usable = 0;
        Map<String, Object> details = new LinkedHashMap<>();
        for (NodeState n : nodes) {
            Map<String, Object> d = new LinkedHashMap<>();
            boolean isPrimary = n.name().equals(primaryName);
            d.put("role", isPrimary ? "primary" : n.role() == NodeRole.PRIMARY ? "primary?" : "replica");
            d.put("up", n.up());
            d.put("circuit", n.circuitOpen() ? "OPEN" : "CLOSED");
            if (isPrimary) {
                primaryOk = n.up() && !n.circuitOpen();
            } else {
                replicas++;
                d.put("lagMillis", n.lag().toMillis());
                d.put("lagBytes", n.lagBytes());
                boolean lagging = maxLag != null && n.lag().compareTo(maxLag) > 0;
                if (lagging) {
                    d.put("lagging", true);
                }
                if (n.up() && !n.circuitOpen() && !lagging) {
                    usable++;
                }
            }
            details.put(n.name(), d);
        }
        builder.withDetail("primary", primaryName)
                .withDetail("replicas", replicas)
                .withDetail("replicasServingReads", usable)
                .withDetail("nodes", details);
        if (!primaryOk) {
            builder.status(Status.DOWN)
                    .withDetail("reason", "primary " + primaryName + " is down or its circuit is open");
        } else if (replicas > 0 && usable == 0) {
            builder.status(replicasDown)
                    .withDetail("reason", "no replica can serve reads; reads fall back to the primary");
        } else {
            builder.up();
        }
    }
}
