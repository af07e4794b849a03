package io.strata.testkit.internal;

import java.time.Duration;
import java.util.Map;

/** What a topology builder asked for, copied at {@code start()}. */
public record TopologySpec(
        int shards, int replicasPerShard, Map<String, String> settings, Duration startTimeout, String image) {}
