package io.strata.sample;

import java.util.List;

/** What a demo run tells an observer (the tests) besides the console. */
interface DemoEvents {

    /** The embedded servers are up; {@code pids} are their processes. */
    default void serversStarted(List<Long> pids) {}

    /** A member serves metrics and status at {@code url}; {@code pid} is its process. */
    default void memberServing(String url, long pid) {}

    /**
     * The embedded member's workload has ended; it still serves metrics and status at {@code url}
     * until this returns.
     */
    default void workloadFinished(String url) {}

    /** No observer. */
    DemoEvents NONE = new DemoEvents() {};
}
