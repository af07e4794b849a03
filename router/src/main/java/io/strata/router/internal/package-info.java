/**
 * The router's implementation, one subpackage per pipeline step: {@code plan}, {@code execute},
 * {@code merge}; with the JDBC front ({@code jdbc}), cross-shard coordination ({@code txn}) and YAML
 * ({@code config}). Not API. {@code SqlStates} here is shared by every step.
 */
package io.strata.router.internal;
