package io.strata.router.internal.execute;

import io.strata.router.internal.plan.Planner;
import io.strata.router.internal.plan.RoutingRules;
import io.strata.router.internal.plan.Sequences;
import java.util.List;
import javax.sql.DataSource;

/** Lets the public package read what it needs from a {@link Router} without widening its API. */
public final class RouterAccess {

    private RouterAccess() {}

    /** A planner that routes the declared global sequences (home: shard index {@code sequenceHome}). */
    public static Planner planner(
            RoutingRules rules,
            long maxPlans,
            java.util.Set<String> globalSequences,
            int sequenceHome,
            int defaultShard) {
        java.util.Map<String, Integer> home = new java.util.HashMap<>();
        for (String s : globalSequences) {
            home.put(s, sequenceHome);
        }
        return new Planner(rules, maxPlans, new Sequences(home, defaultShard));
    }

    /** A sequence name as PostgreSQL resolves it (case-folded unless quoted, schema dropped). */
    public static String sequenceName(String raw) {
        return Sequences.normalize(raw);
    }

    /** The data source of the shard that holds global sequences and the id-node leases. */
    public static DataSource sequenceShard(Router router) {
        return router.shards.get(router.sequenceShard);
    }

    /** The shards' data sources. */
    public static List<DataSource> shards(Router router) {
        return router.shards;
    }
}
