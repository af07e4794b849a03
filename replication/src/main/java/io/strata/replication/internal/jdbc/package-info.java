/**
 * The JDBC wrapper plumbing that Strata's replication and router modules share, written once:
 * adapter bases whose every method refuses until a subclass implements it
 * ({@link io.strata.replication.internal.jdbc.UnsupportedConnection},
 * {@link io.strata.replication.internal.jdbc.UnsupportedStatement},
 * {@link io.strata.replication.internal.jdbc.UnsupportedResultSet}, each refusing with the SQLState
 * and message of a {@link io.strata.replication.internal.jdbc.JdbcRefusal}), and the recording of
 * {@code PreparedStatement} parameters
 * ({@link io.strata.replication.internal.jdbc.RecordingPreparedStatement} implements every setter
 * by recording it into a reusable {@link io.strata.replication.internal.jdbc.RecordedParameter}
 * slot, replayed later on whichever physical statement runs the execution).
 *
 * <p>Public only so that {@code strata-router} can extend it: not an application API, no
 * compatibility promise.
 */
package io.strata.replication.internal.jdbc;
