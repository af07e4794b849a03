/**
 * Step 1, plan: parses a statement once into a cached {@link io.strata.router.internal.plan.Plan} (target
 * shards from the key conditions, rewritten SQL text, the merge to apply, sequence calls). Pure: no
 * connections, no I/O.
 */
package io.strata.router.internal.plan;
