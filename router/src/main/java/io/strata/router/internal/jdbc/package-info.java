/**
 * The JDBC front: the logical {@code Connection}, {@code Statement} and {@code PreparedStatement} an
 * application holds, which record parameters and session state and delegate to the plan and
 * execute steps. They extend the plumbing shared with {@code strata-replication}
 * ({@code io.strata.replication.internal.jdbc}): the adapter bases that reject unsupported JDBC
 * methods (here with SQLState SR009) and the recording of prepared-statement parameters.
 */
package io.strata.router.internal.jdbc;
