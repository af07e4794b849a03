package io.strata.testkit;

/**
 * How a PostgreSQL server is asked to stop, as in {@code pg_ctl stop -m MODE}.
 */
public enum StopMode {
    /** SIGTERM: wait for every client to disconnect. */
    SMART,
    /** SIGINT: roll back open transactions, disconnect clients, shut down cleanly. */
    FAST,
    /** SIGQUIT: quit at once; the next start runs crash recovery. */
    IMMEDIATE
}
