/**
 * The JDBC front: the logical {@code Connection}, {@code Statement} and {@code PreparedStatement} an
 * application holds, which record parameters and session state and delegate to the plan and
 * execute steps; plus the adapter bases that reject unsupported JDBC methods with SQLState SR009.
 */
package io.strata.router.internal.jdbc;
