/**
 * Configuration: reads a router YAML file into a {@code ShardingDataSource}.
 */
package io.strata.router.internal.config;
