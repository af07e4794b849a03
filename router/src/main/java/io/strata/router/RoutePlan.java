package io.strata.router;

import java.util.Set;

/**
 * What the router decided for one SQL text, independent of parameter values: its route kind, the
 * tables it reads or writes, and whether results from several shards are merged. Made once per SQL
 * text by a {@link RoutePlanner} and cached.
 */
public interface RoutePlan {

    /** The SQL text the plan was made for. */
    String sql();

    /**
     * The route kind when the parameters do not change it. Key-routed plans report
     * {@link RouteKind#SINGLE}; they become {@link RouteKind#MULTI} when several keys land on
     * several shards.
     */
    RouteKind kind();

    /** The tables the statement names, lower case. */
    Set<String> tables();

    /** True when the statement writes. */
    boolean isWrite();

    /** A short human description, for logs and errors. */
    String describe();
}
