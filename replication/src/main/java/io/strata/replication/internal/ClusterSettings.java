package io.strata.replication.internal;

import com.hazelcast.core.HazelcastInstance;
import java.time.Duration;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * How lag samples are shared in a Hazelcast cluster (see {@link ClusterSamples}).
 *
 * @param hazelcast the member this JVM is in the cluster as (a client cannot poll for the cluster)
 * @param maxClockSkew the most two members' wall clocks may differ: a sample's age is taken as
 *     its wall-clock age plus this, so a bound is only ever overestimated while it holds
 * @param sampleTimeout how old the newest sample from the cluster may be before this member polls
 *     the node itself
 * @param trustClocksForTesting deliberately broken: take a sample's wall-clock send time at face
 *     value (no skew allowance, no plausibility check), only for tests that show a checker catches
 *     what follows
 * @param publishDelayMillisForTesting null, or how long to hold each published sample (tests
 *     delay delivery with it)
 */
public record ClusterSettings(
        HazelcastInstance hazelcast,
        Duration maxClockSkew,
        Duration sampleTimeout,
        boolean trustClocksForTesting,
        @Nullable LongSupplier publishDelayMillisForTesting) {}
