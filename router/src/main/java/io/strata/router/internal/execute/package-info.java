/**
 * Step 2, execute: binds a plan to a logical connection, sends each per-shard {@link
 * io.strata.router.internal.plan.Call} to its physical connection and hands the shard results to the
 * merge step; {@code Router} holds the shards, planner and policies one data source shares.
 */
package io.strata.router.internal.execute;
