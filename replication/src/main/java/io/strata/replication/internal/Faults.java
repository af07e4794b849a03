package io.strata.replication.internal;

import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;

/** Which failures mean "this node is unreachable" and which reads may be retried elsewhere. */
final class Faults {

    private Faults() {}

    /** A failure to reach or keep a connection to the node: SQLState class 08, or a pool timeout. */
    static boolean isConnectionFailure(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof SQLTransientConnectionException || c instanceof SQLNonTransientConnectionException) {
                return true;
            }
            if (c instanceof SQLException e) {
                String state = e.getSQLState();
                if (state != null
                        && (state.startsWith("08")
                                || state.equals("57P01")
                                || state.equals("57P02")
                                || state.equals("57P03"))) {
                    return true; // 57P0x: admin shutdown, crash shutdown, cannot connect now
                }
            }
            if (c instanceof java.io.IOException) {
                return true;
            }
        }
        return false;
    }

    /** Canceled or terminated because of a conflict with WAL replay on a hot standby. */
    static boolean isRecoveryConflict(SQLException e) {
        // On a hot standby, 40001 is how PostgreSQL reports "canceling statement due to conflict
        // with recovery" (and the FATAL that terminates the session for it); a buffer-pin
        // deadlock with the startup process is 40P01 with the same wording.
        String state = e.getSQLState();
        String m = e.getMessage();
        return "40001".equals(state) || ("40P01".equals(state) && m != null && m.contains("conflict with recovery"));
    }
}
