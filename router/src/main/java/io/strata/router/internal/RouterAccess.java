package io.strata.router.internal;

import java.util.List;
import javax.sql.DataSource;

/** Lets the public package read what it needs from a {@link Router} without widening its API. */
public final class RouterAccess {

    private RouterAccess() {}

    /** The shards' data sources. */
    public static List<DataSource> shards(Router router) {
        return router.shards;
    }
}
