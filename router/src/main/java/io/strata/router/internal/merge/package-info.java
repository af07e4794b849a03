/**
 * Step 3, merge: combines the shards' result sets into one ({@code ORDER BY}, {@code LIMIT/OFFSET},
 * aggregates and {@code GROUP BY}), comparing values as PostgreSQL orders them, and hides the
 * helper columns the plan added.
 */
package io.strata.router.internal.merge;
